import fs from 'node:fs';
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import { listSkills } from '../../container/skills.js';
import type { readSkill } from '../../contracts/tools/host-tools.js';
import type { HostToolHandler } from './types.js';

/**
 * A host tool, not a sandbox one: skills are the project's own files, so reading one needs
 * no container to be started, and it works the same whichever runtime is configured.
 */
export const readSkillHandler: HostToolHandler = async (deps, invocation) => {
  const { name } = invocation.args as z.infer<typeof readSkill.schema>;
  const skills = listSkills(deps.skillsDir);
  const skill = skills.find((s) => s.name === name);
  if (!skill) {
    throw ApplicationFailure.nonRetryable(
      `There is no skill named "${name}". The skills are: ${skills.map((s) => s.name).join(', ') || 'none'}.`,
      'UnknownSkill',
    );
  }
  return fs.readFileSync(skill.file, 'utf8');
};

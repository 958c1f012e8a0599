// Skills: container/skills/<name>/SKILL.md, each opening with a frontmatter block that
// names and describes it. Their names and descriptions go into the system prompt; the
// model reads a whole one with read_skill when it needs it.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const Frontmatter = z.object({
  name: z.string().regex(/^[a-z0-9-]+$/, 'lower-case letters, digits and -'),
  description: z.string().min(1).max(500),
});
export type Skill = z.infer<typeof Frontmatter> & { file: string };

function frontmatter(text: string): Record<string, string> {
  const block = /^---\n([\s\S]*?)\n---/.exec(text)?.[1] ?? '';
  return Object.fromEntries(
    block
      .split('\n')
      .map((line) => /^([a-z]+):\s*(.*)$/.exec(line.trim()))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => [match[1], match[2].replace(/^(['"])(.*)\1$/, '$2')]),
  );
}

/** The valid skills in dir, by name; a SKILL.md with a bad frontmatter is left out. */
export function listSkills(dir: string): Skill[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => path.join(dir, entry.name, 'SKILL.md'))
    .filter((file) => fs.existsSync(file))
    .flatMap((file) => {
      const parsed = Frontmatter.safeParse(frontmatter(fs.readFileSync(file, 'utf8')));
      return parsed.success ? [{ ...parsed.data, file }] : [];
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The system prompt's section on the sandbox and the skills. */
export function skillsSection(dir: string): string {
  const skills = listSkills(dir);
  const lines = [
    "Your sandbox is a container without network: /workspace/group is this chat's folder (writable), " +
      '/workspace/global the shared memory, /workspace/skills your skills.',
  ];
  if (skills.length) {
    lines.push('Your skills (read_skill before following one):');
    for (const skill of skills) lines.push(`- ${skill.name}: ${skill.description}`);
  }
  return lines.join('\n');
}

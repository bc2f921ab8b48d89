/**
 * A small reader of the top-level Dockerfile and .dockerignore, enough for
 * static checks without a Docker engine: instructions with their stages
 * (continuation lines joined, comments and parser directives dropped), exec-form
 * JSON arguments, KEY=value pairs, and .dockerignore matching with Docker's
 * rules (globs, `**`, `!` re-includes, the last matching line wins, a match on
 * a folder covers what is inside).
 */
import fs from 'node:fs';
import path from 'node:path';

export const repositoryRoot = path.resolve(import.meta.dirname, '../..');

export interface Instruction {
  keyword: string;
  /** The arguments as written, continuation lines joined with a space. */
  args: string;
  /** Index into `stages` of the stage it belongs to (-1 before the first FROM). */
  stage: number;
  line: number;
}

export interface Stage {
  image: string;
  name: string | undefined;
}

export interface Dockerfile {
  instructions: Instruction[];
  stages: Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const start = i;
    let line = lines[i] ?? '';
    if (/^\s*(#.*)?$/.test(line)) continue;
    while (/\\\s*$/.test(line) && i + 1 < lines.length) {
      i += 1;
      const next = lines[i] ?? '';
      if (/^\s*#/.test(next)) continue;
      line = `${line.replace(/\\\s*$/, '')} ${next.trim()}`;
    }
    const match = /^\s*(\w+)\s+(.*)$/.exec(line);
    if (!match) throw new SyntaxError(`Dockerfile:${start + 1}: cannot read "${line}"`);
    const keyword = (match[1] ?? '').toUpperCase();
    const args = (match[2] ?? '').trim();
    if (keyword === 'FROM') {
      const from = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!from) throw new SyntaxError(`Dockerfile:${start + 1}: cannot read FROM ${args}`);
      stages.push({ image: from[1] ?? '', name: from[2]?.toLowerCase() });
    }
    instructions.push({ keyword, args, stage: stages.length - 1, line: start + 1 });
  }
  return { instructions, stages };
}

export function readDockerfile(): Dockerfile {
  return parseDockerfile(fs.readFileSync(path.join(repositoryRoot, 'Dockerfile'), 'utf8'));
}

/** The JSON array of an exec-form instruction (ENTRYPOINT ["node", ...]); throws on shell form. */
export function execForm(instruction: Instruction): string[] {
  const parsed: unknown = JSON.parse(instruction.args);
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) {
    throw new SyntaxError(`Dockerfile:${instruction.line}: ${instruction.keyword} is not in exec form`);
  }
  return parsed;
}

/** KEY=value pairs of ENV, LABEL or ARG (quotes removed); an ARG without a default has value ''. */
export function keyValues(instruction: Instruction): [string, string][] {
  const pairs: [string, string][] = [];
  for (const match of instruction.args.matchAll(/([A-Za-z_][\w.-]*)(?:=("([^"]*)"|'([^']*)'|\S*))?/g)) {
    pairs.push([match[1] ?? '', match[3] ?? match[4] ?? match[2] ?? '']);
  }
  return pairs;
}

/** Options (`--from=x`, `--chown=...`) and paths of COPY/ADD; the last path is the destination. */
export function copyParts(instruction: Instruction): { options: Map<string, string>; sources: string[]; destination: string } {
  const words = instruction.args.startsWith('[') ? execForm(instruction) : instruction.args.split(/\s+/);
  const options = new Map<string, string>();
  const paths: string[] = [];
  for (const word of words) {
    const option = /^--([\w-]+)(?:=(.*))?$/.exec(word);
    if (option) options.set(option[1] ?? '', option[2] ?? '');
    else paths.push(word);
  }
  const destination = paths.pop() ?? '';
  return { options, sources: paths, destination };
}

/**
 * A .dockerignore pattern as Docker reads it (Go's filepath.Match plus `**`):
 * unlike node's path.matchesGlob, `*` and `**` also match names that start with
 * a dot, which is what keeps `.git` out of the build context under `**`.
 */
function dockerPatternToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i] ?? '';
    if (char === '*' && pattern[i + 1] === '*') {
      source += '.*';
      i += 1;
      if (pattern[i + 1] === '/') i += 1;
    } else if (char === '*') {
      source += '[^/]*';
    } else if (char === '?') {
      source += '[^/]';
    } else {
      source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

/** Whether the build context keeps `file` (a path relative to the repository root) under these .dockerignore lines. */
export function dockerignoreKeeps(ignoreText: string, file: string): boolean {
  const rules = ignoreText.split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const pattern = path.posix.normalize((negated ? line.slice(1) : line).replace(/^\/+/, ''));
      return { negated, pattern: dockerPatternToRegExp(pattern) };
    });
  const parts = file.split('/');
  let kept = true;
  for (const rule of rules) {
    const matches = parts.some((_, index) => rule.pattern.test(parts.slice(0, index + 1).join('/')));
    if (matches) kept = rule.negated;
  }
  return kept;
}

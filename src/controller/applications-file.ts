/**
 * Applications from a YAML file (`--apps FILE`), for running outside a cluster:
 * one or more documents, each an Application or a `kind: List` of them, read
 * the way kubectl reads YAML and validated by the same schema as the CRD.
 *
 * Promises: one bad Application is reported alone (naming the file, the
 * document, its line and its name) and the valid ones still load; only a file
 * that cannot be read or is not YAML at all fails as a whole.
 */
import { readFile } from 'node:fs/promises';
import { parseYamlDocuments } from '../render/kube-yaml.ts';
import { formatApplicationKey, parseApplication, type Application, type ApplicationKey, type ApplicationProblem } from '../application/parse.ts';

export interface InvalidApplication {
  /** `apps.yaml document 2 (line 14)`, `apps.yaml document 1 item 3 (line 1)`. */
  where: string;
  key: ApplicationKey;
  problems: ApplicationProblem[];
  /** One line naming the file, the document, the Application and every problem. */
  message: string;
}

export interface ApplicationsFile {
  applications: Application[];
  invalid: InvalidApplication[];
}

export interface LoadApplicationsOptions {
  /** Namespace of Applications that name none (default `default`, as kubectl). */
  defaultNamespace?: string;
}

function isList(value: unknown): value is { kind: 'List'; items?: unknown } {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'List';
}

/** Parses the text of an Applications file; `file` names it in messages. Throws only when the text is not YAML. */
export function parseApplicationsYaml(text: string, file: string, options: LoadApplicationsOptions = {}): ApplicationsFile {
  const defaultNamespace = options.defaultNamespace ?? 'default';
  const result: ApplicationsFile = { applications: [], invalid: [] };
  const seen = new Map<string, string>();

  const take = (value: unknown, where: string): void => {
    const parsed = parseApplication(value, where, { defaultNamespace });
    if (!parsed.ok) {
      result.invalid.push({ where, key: parsed.key, problems: parsed.problems, message: parsed.message });
      return;
    }
    const key = formatApplicationKey(parsed.application.metadata);
    const first = seen.get(key);
    if (first !== undefined) {
      const problems = [{ path: 'metadata.name', message: `Application ${key} is already defined in ${first}` }];
      result.invalid.push({
        where, key: { ...parsed.application.metadata }, problems,
        message: `${where}: Application ${key}: metadata.name: already defined in ${first}`,
      });
      return;
    }
    seen.set(key, where);
    result.applications.push(parsed.application);
  };

  parseYamlDocuments(text, file).forEach((document, index) => {
    const where = `${file} document ${index + 1}`;
    if (!isList(document.value)) {
      take(document.value, `${where} (line ${document.line})`);
      return;
    }
    const { items } = document.value;
    if (!Array.isArray(items)) {
      const problems = [{ path: 'items', message: 'expected a list' }];
      result.invalid.push({ where, key: { namespace: '', name: '' }, problems, message: `${where} (line ${document.line}): List: items: expected a list` });
      return;
    }
    items.forEach((item: unknown, itemIndex) => { take(item, `${where} item ${itemIndex + 1} (line ${document.line})`); });
  });
  return result;
}

/** Reads and parses an Applications file; a file that cannot be read fails with its path in the message. */
export async function loadApplicationsFile(file: string, options: LoadApplicationsOptions = {}): Promise<ApplicationsFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${file}: cannot read the Applications file: ${reason}`, { cause: error });
  }
  return parseApplicationsYaml(text, file, options);
}

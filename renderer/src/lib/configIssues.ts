/**
 * Field-level validation of an edited experiment configuration with the contract's own zod schema (the one
 * main/serve apply), so the editor shows the same verdict the back end would give, next to the field.
 * Pure: unit-tested.
 */
import { experimentConfigSchema } from '../../../electron/shared/schemas.js';

/** Dotted path of a field ('train.steps', 'model.hidden.0.size') → the first problem found there. */
export type ConfigIssues = Record<string, string>;

export function configIssues(config: unknown): ConfigIssues {
  const result = experimentConfigSchema.safeParse(config);
  const issues: ConfigIssues = {};
  if (result.success) return issues;
  for (const issue of result.error.issues) {
    const path = issue.path.map(String).join('.');
    // An emptied or non-numeric number field reaches the schema as NaN: say what to do, not zod's type jargon.
    issues[path] ??= issue.code === 'invalid_type' ? 'enter a number' : issue.message;
  }
  return issues;
}

/** Reads a number typed into a field: '' and text that is not a number become NaN (which the schema rejects). */
export function parseNumberField(text: string): number {
  const t = text.trim();
  return t === '' ? Number.NaN : Number(t);
}

/** Turns zod issues into the INVALID_ARGUMENT data every transport returns. */
import type { z } from 'zod';
import type { ValidationIssue } from './errors.js';

export function toIssues(error: z.ZodError, root?: string): ValidationIssue[] {
  return error.issues.map((issue) => {
    const segments = issue.path.map((p) => String(p));
    if (root) segments.unshift(root);
    return { path: segments.join('.'), message: issue.message, code: issue.code };
  });
}

export function describeIssues(issues: ValidationIssue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
}

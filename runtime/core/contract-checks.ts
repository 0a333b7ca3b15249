/**
 * What a handler sends back must match its contract: output is validated (on by default outside
 * production), declared errors must carry their declared data, and anything else a handler throws
 * becomes INTERNAL, logged with its details and never sent to the caller.
 */
import type { z } from 'zod';
import { serviceKey } from '../contract/index.js';
import { ActiveCall } from './active-call.js';
import type { CallEnvelope } from './envelope.js';
import { AccordError, isFrameworkCode } from './errors.js';
import type { Logger } from './logger.js';
import { toIssues } from './validation.js';

export class ContractChecks {
  constructor(
    readonly validateOutput: boolean,
    private readonly logger: Logger,
  ) {}

  /** The output as the contract parses it, or INTERNAL when it does not match. */
  output(call: ActiveCall, output: unknown): unknown {
    if (!this.validateOutput) return output;
    const parsed = (call.method.output as z.ZodType).safeParse(output);
    if (parsed.success) return parsed.data;
    const issues = toIssues(parsed.error);
    this.logger.error({ service: serviceKey(call.service), method: call.name, issues }, 'handler output does not match the contract');
    throw new AccordError('INTERNAL', 'the handler returned output that does not match the contract');
  }

  /**
   * A call another node ran (routed over the mesh or NATS): its AccordError arrives as that node
   * sent it, already checked against the contract there, which this node may not even know.
   */
  routedError(error: unknown, envelope: CallEnvelope): AccordError {
    return error instanceof AccordError ? error : this.toAccordError(error, envelope);
  }

  /** Declared and framework errors pass through; anything else becomes INTERNAL and is logged, not leaked. */
  toAccordError(error: unknown, call: ActiveCall | CallEnvelope): AccordError {
    const declared = call instanceof ActiveCall ? call.method.errors : undefined;
    if (error instanceof AccordError) {
      const spec = declared && Object.hasOwn(declared, error.code) ? declared[error.code] : undefined;
      if (spec) {
        // A declared error's data is part of the contract, checked like output.
        if (this.validateOutput && spec.data && !spec.data.safeParse(error.data).success) {
          this.logger.error({ err: error, code: error.code }, 'handler threw a declared error whose data does not match the contract');
          return new AccordError('INTERNAL', 'internal error');
        }
        return error;
      }
      if (isFrameworkCode(error.code)) return error;
      this.logger.error({ err: error, code: error.code }, 'handler threw an error code its contract does not declare');
      return new AccordError('INTERNAL', 'internal error');
    }
    const where = call instanceof ActiveCall ? `${serviceKey(call.service)}.${call.name}` : `${call.service}.${call.method}`;
    this.logger.error({ err: error, call: where }, 'handler failed');
    return new AccordError('INTERNAL', 'internal error');
  }
}

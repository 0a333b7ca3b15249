/**
 * The NATS transport in the AsyncAPI document (docs/nats.md): an event is published on its own
 * subject, a server stream is a request on its method's subject, answered in the queue group,
 * whose items come back on the caller's reply subject with credit granted on the server's control
 * subject. Subjects are those of the default prefix (`transports.nats.prefix` changes it).
 */
import { HEADERS } from '../../runtime/transports/nats/header-names.js';
import { DEFAULT_PREFIX, DEFAULT_QUEUE, Subjects } from '../../runtime/transports/nats/subjects.js';
import type { AsyncTarget, TransportBinding } from './transport-binding.js';

const subjects = new Subjects(DEFAULT_PREFIX);
const BINDING_VERSION = '0.1.0';

const addressOf = ({ service, kind, name }: AsyncTarget): string =>
  kind === 'event' ? subjects.event(service.name, service.version, name) : subjects.method(service.name, service.version, name);

export const natsBinding: TransportBinding = {
  id: 'nats',
  server: {
    host: '{host}',
    protocol: 'nats',
    title: 'Accord over NATS',
    description: [
      `Every Accord process answers its methods on \`${DEFAULT_PREFIX}.<service>.v<N>.<method>\` in the queue group \`${DEFAULT_QUEUE}\`, and publishes events on \`${DEFAULT_PREFIX}.<service>.v<N>.event.<event>\` (docs/nats.md).`,
      'Bodies are JSON unless `content-type: application/msgpack` says otherwise; errors are `{code, message, data}` with the NATS micro error headers.',
    ].join(' '),
    variables: {
      host: { default: 'localhost:4222', description: 'host:port of a NATS server of the deployment' },
    },
  },
  address: addressOf,
  operationBindings: (target) => (target.kind === 'stream' ? { nats: { queue: DEFAULT_QUEUE, bindingVersion: BINDING_VERSION } } : {}),
  describe(target) {
    const subject = addressOf(target);
    return target.kind === 'event'
      ? `Over NATS: subscribe to \`${subject}\`; each message is one event (its body the payload, \`${HEADERS.origin}\` the emitting process). Each subscription gets each event once.`
      : `Over NATS: request on \`${subject}\` with \`${HEADERS.stream}: <credit>\`; items arrive on the reply subject (\`${HEADERS.frame}: item\`, \`${HEADERS.seq}\` from 0), then \`end\` or an error; grant more credit with a \`credit\` message to the subject the first item names in \`${HEADERS.control}\`.`;
  },
  usage: (target) => (target.kind === 'event' ? eventMessages(target) : streamMessages(target)),
};

function eventMessages(target: AsyncTarget): Record<string, unknown> {
  return {
    subscribe: addressOf(target),
    event: { headers: { [HEADERS.origin]: '<node id of the emitter>' }, body: '<payload>' },
  };
}

function streamMessages(target: AsyncTarget): Record<string, unknown> {
  const reply = '_INBOX.<caller>.<call>';
  const control = '_INBOX.<server process>';
  return {
    request: { subject: addressOf(target), reply, headers: { [HEADERS.stream]: '32', [HEADERS.heartbeat]: '1000' }, body: '<call payload>' },
    item: { subject: reply, headers: { [HEADERS.frame]: 'item', [HEADERS.seq]: '0', [HEADERS.control]: control }, body: '<item payload>' },
    credit: { subject: control, headers: { [HEADERS.frame]: 'credit', [HEADERS.call]: reply, [HEADERS.credit]: '16' } },
    end: { subject: reply, headers: { [HEADERS.frame]: 'end', [HEADERS.seq]: '<items sent>' } },
    error: { subject: reply, headers: { [HEADERS.serviceErrorCode]: '<HTTP status>', [HEADERS.serviceError]: '<message>' }, body: '<AccordError payload>' },
    cancel: { subject: control, headers: { [HEADERS.frame]: 'cancel', [HEADERS.call]: reply } },
  };
}

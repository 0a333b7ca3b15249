/**
 * The handler module pool workers load for the conformance suite with the pool on: the same
 * handlers as inline, reporting to a probe that the suite mirrors in the main thread.
 */
import { conformanceServices } from './handlers.js';
import { broadcastingProbe } from './probe-channel.js';

export const services = conformanceServices(broadcastingProbe());

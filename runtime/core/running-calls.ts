/**
 * How many admitted calls a dispatcher runs now: counted up when a call is admitted (its handler
 * about to start) and down when it ends. A router that may send calls served here to another node
 * (the mesh with `localFirst: false`) weighs this against the calls in flight to the others.
 */
export class RunningCalls {
  count = 0;
}

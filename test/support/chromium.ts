/**
 * Headless Chromium for browser tests: Debian's build through playwright-core, with the flags this
 * machine's closed network needs. A missing browser is a failure with the fix in its message, never
 * a skip: CI installs it (`.ci/run`), and a developer sees what to install.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`browser tests need headless Chromium at ${CHROMIUM}: install it with \`apt-get install chromium\` (bash .ci/run does)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

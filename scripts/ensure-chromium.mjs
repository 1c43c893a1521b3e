// Runs before `npm test`: the browser and end-to-end tests drive Debian's Chromium (Playwright cannot download its
// own browser here). Installs it with apt-get when it is missing and we may; otherwise says how.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (existsSync(path)) process.exit(0);

const canApt = process.platform === 'linux' && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
if (!canApt) {
  console.error(
    `Chromium is needed for the browser tests and was not found at ${path}.\n` +
      `Install it (Debian/Ubuntu: sudo apt-get install -y chromium) or set CHROMIUM_PATH to a Chromium binary.`,
  );
  process.exit(1);
}
console.log('Installing Debian\'s chromium for the browser tests...');
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', '-q', 'chromium'], { stdio: 'inherit', env });

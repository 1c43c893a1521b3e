/**
 * A configuration that cannot start the server. It lists every problem at once, each naming the setting and
 * where it came from, so a user fixes them in one pass; the CLI prints the message without a stack trace.
 */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

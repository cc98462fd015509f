/** A bad configuration value: the message names the environment key so operators can fix it. */
export class ConfigError extends Error {
  readonly code = 'config_invalid';
  constructor(
    readonly key: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${key}: ${message}`, options);
    this.name = 'ConfigError';
  }
}

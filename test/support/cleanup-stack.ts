/**
 * Cleanup steps of a fixture, run last-registered first. Every step runs even when an earlier
 * one fails; the failures are thrown together at the end. Running it again does nothing.
 */
export class CleanupStack {
  readonly #steps: Array<() => unknown> = [];

  push(step: () => unknown): void {
    this.#steps.push(step);
  }

  async run(): Promise<void> {
    const errors: unknown[] = [];
    for (const step of this.#steps.splice(0).reverse()) {
      try {
        await step();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, `${errors.length} cleanup step(s) failed`);
  }
}

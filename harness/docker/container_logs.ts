import type { StartedTestContainer } from 'testcontainers';

/** Output kept per scenario for failure reports; older output is cut. */
const MAX_LOG_CHARS = 512 * 1024;

/** Follows a container's stdout+stderr into a buffer that the adapter clears per scenario. */
export class ContainerLogs {
  private text = '';

  async follow(container: StartedTestContainer): Promise<void> {
    const stream = await container.logs();
    stream.on('data', (b: Buffer | string) => this.append(b.toString()));
    stream.on('error', () => {});
  }

  append(s: string): void {
    this.text += s;
    if (this.text.length > MAX_LOG_CHARS) this.text = `[...cut...]\n${this.text.slice(-MAX_LOG_CHARS / 2)}`;
  }

  clear(): void {
    this.text = '';
  }

  toString(): string {
    return this.text;
  }
}

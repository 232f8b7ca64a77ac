/**
 * The terminal, as an output: live figures go to a view the CLI renders (panel, lines or
 * nothing), and stop reasons become one message. No formatting of figures happens here or
 * in the engine: the view (src/cli/view) owns the text.
 */
import type { Output, Progress, RunEvent } from '../../engine/events.js';

export interface ConsoleView {
  update(p: Progress): void;
  message(text: string): void;
}

export class ConsoleOutput implements Output {
  constructor(private readonly view: ConsoleView) {}

  describe(): string {
    return 'console';
  }

  async start(): Promise<void> {}

  add(e: RunEvent): void {
    if (e.type === 'progress') this.view.update(e.progress);
    else if (e.type === 'stopping' && e.byCriterion) this.view.message(`callcert: stopping: ${e.reason}`);
  }

  async stop(): Promise<void> {}
}

/**
 * How every tool ends: the code `main` returns becomes the exit code; a thrown error is printed
 * (its stack with TypeScript lines, or only its message when the tool words its errors for people)
 * and exits 1. The exit code is set, not forced, so pending output still flushes.
 */
import { readableStack } from "../engine/stack-trace";

export interface CliOptions {
  /**
   * Print only a thrown error's message, not its stack.
   * @default false
   */
  messageOnly?: boolean;
}

export function runCli(main: () => number | Promise<number>, options: CliOptions = {}): void {
  Promise.resolve()
    .then(main)
    .then(
      (code) => {
        process.exitCode = code;
      },
      (error: unknown) => {
        console.error(
          options.messageOnly && error instanceof Error ? error.message : readableStack(error),
        );
        process.exitCode = 1;
      },
    );
}

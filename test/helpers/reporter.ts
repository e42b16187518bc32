/**
 * Mocha's spec reporter, closed by one plain line that any CI reads: `N passed, N failed, N skipped`.
 */
import Mocha from "mocha";

class SpecWithTotals extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const { passes = 0, failures = 0, pending = 0 } = runner.stats ?? {};
      console.log(`tests: ${passes} passed, ${failures} failed, ${pending} skipped`);
    });
  }
}

export = SpecWithTotals;

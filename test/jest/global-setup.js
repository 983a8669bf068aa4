// Jest global setup: one id per `npm test` run, inherited by every worker (test/support/spawn-app.ts builds
// dist/ once per run with it, however many suites in parallel workers ask).
module.exports = async () => {
  process.env.TOLLGATE_TEST_RUN ??= `${process.pid}-${Date.now().toString(36)}`;
};

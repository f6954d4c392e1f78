/**
 * Imported first by the benchmark scripts: they run against the in-process emulators, so they choose the
 * sandbox explicitly (before any module reads the configuration) whatever the shell says.
 */
process.env.SYNCLANE_ENV = 'sandbox';
export {};

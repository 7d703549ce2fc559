/** A bad command line (flag, value, path argument): the CLI prints its message on one line and exits 2. */
export class UsageError extends Error {}

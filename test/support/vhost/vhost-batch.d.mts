/** The prefix of every e2e vhost of this run. */
export function runPrefix(): string;
/** The run's vhost pool: a directory beside its registry. */
export function poolDirOf(registry: string): string;
/** rabbitmqctl with `args`: its stdout. */
export type Ctl = (args: string[]) => Promise<string>;
/** Makes `vhosts`, each with every permission for `user`, in one rabbitmqctl call where it can. */
export function addVhosts(vhosts: readonly string[], user: string, ctl: Ctl): Promise<void>;
/** Deletes `vhosts` with everything in them, in one rabbitmqctl call where it can. */
export function deleteVhosts(vhosts: readonly string[], ctl: Ctl): Promise<void>;

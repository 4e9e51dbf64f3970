/** rabbitmqctl with `args`: its stdout. */
export type Ctl = (args: string[]) => Promise<string>;
/** Makes `vhosts`, each with every permission for `user`, in one rabbitmqctl call where it can. */
export function addVhosts(vhosts: readonly string[], user: string, ctl: Ctl): Promise<void>;
/** Deletes `vhosts` with everything in them, in one rabbitmqctl call where it can. */
export function deleteVhosts(vhosts: readonly string[], ctl: Ctl): Promise<void>;

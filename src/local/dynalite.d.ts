// dynalite ships no types: the part of its API the local ledger uses (index.js documents its options).
declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    /** How long a table stays CREATING / DELETING / UPDATING, in ms (default 500). */
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    /** A LevelDB directory; in memory when omitted. */
    path?: string;
  }

  export default function dynalite(options?: DynaliteOptions): Server;
}

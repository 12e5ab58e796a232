import { workerData } from 'node:worker_threads';
import type { ShardWorkerData } from '../store/vss-shard-protocol.ts';
import { serveShard } from '../store/vss-shard-serve.ts';

/** One shard of a sharded sqlite-vss Flat index, started by store/vss-shard-pool.ts. */
serveShard(workerData as ShardWorkerData);

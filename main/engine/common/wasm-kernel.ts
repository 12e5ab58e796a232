import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EngineError } from '../../common/contracts/errors.ts';

/**
 * Loading of the WebAssembly kernels in native/build/ (AssemblyScript sources in native/<name>/kernel.ts,
 * built by `node native/build-als.mjs`) and the layout of the one memory each imports. The memory is
 * shared, so worker threads can run the same module on the same data.
 */

/** Minimal typing of the WebAssembly global (the engine compiles without DOM typings). */
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
}
interface WasmModule {
  readonly __brand: 'WasmModule';
}
interface WasmApi {
  Memory: new (d: { initial: number; maximum: number; shared: true }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (m: WasmModule, imports: { env: { memory: WasmMemory } }) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
export type KernelModule = WasmModule;

const PAGE_BYTES = 65536;
const MAX_PAGES = 65536;
/** The first page is left to the module's own static data; buffers start above it. */
const RESERVED_BYTES = PAGE_BYTES;

const compiled = new Map<string, WasmModule>();

/** A compiled kernel from native/build/<name>.wasm (compiled once per thread, cheap: modules are a few kB). */
export function kernelModule(name: 'als' | 'ease' | 'lsa'): WasmModule {
  let module = compiled.get(name);
  if (!module) {
    const path = fileURLToPath(new URL(`../../../native/build/${name}.wasm`, import.meta.url));
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch {
      throw new EngineError('internal', `${name.toUpperCase()} kernel ${path} is missing: build it with \`node native/build-als.mjs\` (npm run build:native)`);
    }
    module = new wasm.Module(bytes);
    compiled.set(name, module);
  }
  return module;
}

/** An instance of a kernel on a memory laid out by MemoryPlan. */
export function instantiateKernel<K extends { heapBase(): number }>(module: WasmModule, memory: WasmMemory, name: string): K {
  const kernel = new wasm.Instance(module, { env: { memory } }).exports as K;
  if (kernel.heapBase() > RESERVED_BYTES) throw new EngineError('internal', `${name} kernel static data (${kernel.heapBase()} bytes) overlaps the buffers`);
  return kernel;
}

/**
 * Plans buffers in a memory: `alloc` hands out 64-byte aligned byte offsets, `create` makes a memory large
 * enough for everything planned (memories never grow, so typed-array views over them stay valid).
 */
export class MemoryPlan {
  private end = RESERVED_BYTES;

  alloc(bytes: number): number {
    const at = this.end;
    this.end += Math.ceil(bytes / 64) * 64;
    return at;
  }

  get bytes(): number {
    return this.end;
  }

  create(purpose: string): WasmMemory {
    const pages = Math.ceil(this.end / PAGE_BYTES);
    if (pages > MAX_PAGES) {
      throw new EngineError(
        'invalid-input',
        `${purpose} needs ${(this.end / 2 ** 30).toFixed(2)} GiB, above the 4 GiB a WebAssembly memory can hold: use fewer factors or a smaller interaction log`,
        { bytes: this.end },
      );
    }
    return new wasm.Memory({ initial: pages, maximum: pages, shared: true });
  }
}

export function f32View(memory: WasmMemory, at: number, length: number): Float32Array {
  return new Float32Array(memory.buffer, at, length);
}

export function i32View(memory: WasmMemory, at: number, length: number): Int32Array {
  return new Int32Array(memory.buffer, at, length);
}

export function f64View(memory: WasmMemory, at: number, length: number): Float64Array {
  return new Float64Array(memory.buffer, at, length);
}

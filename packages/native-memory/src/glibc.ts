/**
 * glibc's allocator and native threads (decision 0056). libvips decodes images on its own threads, and
 * glibc gives each thread that contends for the allocator an arena of its own (up to 8 per core); what
 * those threads free stays mapped in their arenas. An image-heavy process grows by 100 MB or more and
 * never shrinks. Two calls into glibc undo that: fewer arenas, and giving freed pages back.
 * Elsewhere (musl, macOS) there is no such allocator: every function here does nothing and says so.
 */
import { createRequire } from 'node:module';

import type koffiModule from 'koffi';
import type { KoffiFunc } from 'koffi';

type Koffi = typeof koffiModule;

/** mallopt's parameter number for the arena limit (malloc.h). */
const M_ARENA_MAX = -8;

interface Glibc {
  mallopt: KoffiFunc<(param: number, value: number) => number>;
  mallocTrim: KoffiFunc<(pad: number) => number>;
}

let loaded: Glibc | null | undefined;

function glibc(): Glibc | null {
  if (loaded !== undefined) return loaded;
  try {
    // Required here, not imported: a platform without koffi's prebuilt binary only loses the calls.
    const koffi = createRequire(import.meta.url)('koffi') as Koffi;
    const libc = koffi.load('libc.so.6');
    loaded = {
      mallopt: libc.func('int mallopt(int param, int value)') as Glibc['mallopt'],
      mallocTrim: libc.func('int malloc_trim(size_t pad)') as Glibc['mallocTrim'],
    };
  } catch {
    loaded = null; // not glibc, or no FFI on this platform
  }
  return loaded;
}

/**
 * Caps the number of malloc arenas for threads that have none yet. Call it first thing in a process,
 * before native libraries start threads. Returns false where glibc is absent or refuses.
 */
export function limitMallocArenas(max: number): boolean {
  const libc = glibc();
  return libc !== null && libc.mallopt(M_ARENA_MAX, max) === 1;
}

/**
 * Gives every arena's whole free pages back to the system, on a libuv thread: it takes each arena's
 * lock in turn (tens of ms after heavy image work), which must not block the event loop.
 * Resolves to whether any memory was released; false where glibc is absent.
 */
export function trimMalloc(): Promise<boolean> {
  const libc = glibc();
  if (!libc) return Promise.resolve(false);
  return new Promise((resolve, reject) => {
    libc.mallocTrim.async(0, (error: unknown, released) => {
      if (error) reject(error instanceof Error ? error : new Error('malloc_trim failed'));
      else resolve(released === 1);
    });
  });
}

/**
 * A trim at most once per `intervalMs`, after work that freed native memory: call `soon()` after each
 * such job. A trim asked for while one is waiting or running is folded into it.
 */
export function trimMallocSoon(
  intervalMs: number,
  onError: (error: unknown) => void,
  trim: () => Promise<unknown> = trimMalloc,
) {
  let timer: NodeJS.Timeout | undefined;
  let last = 0;
  return {
    soon(): void {
      if (timer) return;
      const wait = Math.max(0, last + intervalMs - Date.now());
      timer = setTimeout(() => {
        last = Date.now();
        trim()
          .catch(onError)
          .finally(() => (timer = undefined));
      }, wait);
      timer.unref();
    },
    stop(): void {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}

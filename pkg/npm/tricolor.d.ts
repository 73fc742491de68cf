// Types of tricolor's JavaScript API (tricolor.mjs): the allocator, the
// garbage collector and the introspection of the Emscripten module.
//
// Addresses are numbers: byte offsets into the module's memory (wasm32).
// The tables (spans, page runs, objects, the event ring) are Uint32Arrays
// over that memory, read by the field offsets of the layout records below
// (SPAN, PAGE_RUN, OBJECT, EVENT): valid until the next call into the module.
//
// The names and layouts in the first part come from the C side
// (tricolor-layout.mjs, generated from wasm/layout.h); the package's tests
// check every declaration here against the module itself, both ways, so a
// name added on either side without the other fails them.

// --- the runtime's names --------------------------------------------------------

/** The collector's phases (enum tri_gc_phase), in order. */
export type Phase = 'off' | 'mark setup' | 'mark' | 'mark termination' | 'sweep';
/** Write-barrier modes (enum tri_gc_barrier). */
export type Barrier = 'hybrid' | 'dijkstra' | 'yuasa' | 'none';
/** Kinds of the collector's events (enum tri_gc_event_kind). */
export type EventKind =
  | 'phase' | 'alloc' | 'grey' | 'black' | 'barrier' | 'free' | 'span-take' | 'span-return' | 'pacer' | 'stop'
  | 'step' | 'finalize' | 'weak-clear' | 'violation';
/** Object colours (enum tri_gc_color); 'free' for memory that holds no object. */
export type Color = 'free' | 'white' | 'grey' | 'black';
/** Where an allocation was served (enum tri_level). */
export type Level = 'thread cache' | 'central list' | 'page heap' | 'OS';
/** States of a run of pages (enum tri_page_state). */
export type PageState = 'free' | 'released' | 'small' | 'large' | 'gc' | 'reserved';

/** Each name's index, as the C enums number them. */
type Indexes<K extends string> = { readonly [N in K]: number };

export declare const PAGE_SIZE: number;
/** Size classes including class 0, which stands for large objects. */
export declare const SIZE_CLASSES: number;
export declare const PHASES: readonly Phase[];
export declare const PHASE: Indexes<'OFF' | 'MARK_SETUP' | 'MARK' | 'MARK_TERMINATION' | 'SWEEP'>;
export declare const BARRIERS: readonly Barrier[];
export declare const BARRIER: Indexes<'HYBRID' | 'DIJKSTRA' | 'YUASA' | 'NONE'>;
export declare const EVENTS: readonly EventKind[];
export declare const EVENT_KIND: Indexes<
  | 'PHASE' | 'ALLOC' | 'GREY' | 'BLACK' | 'BARRIER' | 'FREE' | 'SPAN_TAKE' | 'SPAN_RETURN' | 'PACER' | 'STOP'
  | 'STEP' | 'FINALIZE' | 'WEAK_CLEAR' | 'VIOLATION'>;
export declare const COLORS: readonly Color[];
export declare const COLOR: Indexes<'FREE' | 'WHITE' | 'GREY' | 'BLACK'>;
export declare const LEVELS: readonly Level[];
export declare const LEVEL: Indexes<'THREAD_CACHE' | 'CENTRAL_LIST' | 'PAGE_HEAP' | 'OS'>;
export declare const PAGE_STATES: readonly PageState[];
export declare const PAGE_STATE: Indexes<'FREE' | 'RELEASED' | 'SMALL' | 'LARGE' | 'GC' | 'RESERVED'>;

// --- record layouts ----------------------------------------------------------------

/** A record of 32-bit words: each field's word, and `words`, the record's length. */
export type Layout<F extends string> = { readonly [K in F | 'words']: number };

/** Fields of a span record (GcHeap.spans()). */
export type SpanField =
  | 'base' | 'pages' | 'sizeClass' | 'spanClass' | 'noscan' | 'swept' | 'objectSize' | 'objects' | 'allocated'
  | 'allocBits' | 'markBits' | 'greyBits';
/** Fields of a page-run record (Tricolor.pageRuns()); `state` indexes PAGE_STATES. */
export type PageRunField = 'base' | 'arena' | 'pages' | 'state' | 'sizeClass' | 'spanClass' | 'objects' | 'allocated';
/** Fields of an object record (GcHeap.objects()); `colour` indexes COLORS. */
export type ObjectField = 'address' | 'size' | 'colour';
/** Fields of an event record in the ring; the 64-bit ones take two words, low first. */
export type EventField = 'kind' | 'arg' | 'timeNs' | 'a' | 'b' | 'c' | 'd';

export declare const SPAN: Layout<SpanField>;
export declare const PAGE_RUN: Layout<PageRunField>;
export declare const OBJECT: Layout<ObjectField>;
export declare const POINTER: Layout<'slot' | 'target'>;
export declare const EVENT_RING: Layout<'ring' | 'capacity' | 'writtenLow' | 'writtenHigh'>;
export declare const VERIFY: Layout<'violations' | 'objectsChecked'>;
export declare const VIOLATION: Layout<'object' | 'slot' | 'target' | 'what'>;
export declare const EVENT: Layout<EventField>;
/** How many violations a verifier report lists at most. */
export declare const VIOLATIONS: number;
/** The heap head's barrier_on: which stores the write barrier's slow path sees. */
export declare const BARRIER_ON: { readonly ALL: number; readonly OVERWRITES: number };
/** Words of a span record (SPAN.words). */
export declare const SPAN_WORDS: number;
/** Words of a page-run record (PAGE_RUN.words). */
export declare const PAGE_WORDS: number;

/** The sizes the module was compiled with, which tricolor-layout.mjs must match. */
export type ShapeField =
  | 'statsDoubles' | 'gcStatsDoubles' | 'spanWords' | 'pageRunWords' | 'objectWords' | 'pointerWords'
  | 'eventRingWords' | 'verifyWords' | 'violationWords' | 'violations' | 'eventWords' | 'eventBytes' | 'phases'
  | 'barriers' | 'eventKinds' | 'colors' | 'levels' | 'pageStates' | 'sizeClasses' | 'pageSize';
export type Shape = { readonly [K in ShapeField]: number };
export declare const SHAPE: Shape;

// --- statistics ------------------------------------------------------------------------

/** The allocator's statistics (tri_get_stats): bytes, counts, and where allocations were served. */
export interface AllocatorStats {
  reserved: number;
  committed: number;
  released: number;
  inUse: number;
  metadata: number;
  largeObjects: number;
  largeBytes: number;
  smallBytes: number;
  releasedTotal: number;
  hitsThreadCache: number;
  hitsCentral: number;
  hitsPageHeap: number;
  hitsOS: number;
  arenas: number;
  /** Indexed by size class from 1 to SIZE_CLASSES - 1; index 0 (large objects) is empty. */
  classes: ClassStats[];
}
export interface ClassStats {
  spans: number;
  objects: number;
  mallocs: number;
}
/** The order of AllocatorStats' numbers as the module writes them. */
export declare const STATS: readonly Exclude<keyof AllocatorStats, 'classes'>[];
export declare const CLASS_STATS: readonly (keyof ClassStats)[];

/** A collected heap's statistics (tri_gc_get_stats); times in nanoseconds, sizes in bytes. */
export interface GcStats {
  cycles: number;
  phase: Phase;
  barrier: Barrier;
  heapLive: number;
  heapMarked: number;
  heapGoal: number;
  trigger: number;
  heapSpans: number;
  objects: number;
  allocatedTotal: number;
  freedTotal: number;
  scanWorkTotal: number;
  assistWorkTotal: number;
  barrierHybrid: number;
  barrierDijkstra: number;
  barrierYuasa: number;
  barrierNone: number;
  gcNs: number;
  wallNs: number;
  stops: number;
  stopP50Ns: number;
  stopP99Ns: number;
  stopMaxNs: number;
  steps: number;
  stepP50Ns: number;
  stepP99Ns: number;
  stepMaxNs: number;
  finalizersRun: number;
  weakCleared: number;
  gogc: number;
  memoryLimit: number;
  maxHeap: number;
  allocations: number;
  servedCache: number;
  servedCentral: number;
  servedPageHeap: number;
  servedOS: number;
  finalizersQueued: number;
  verifyReportsDropped: number;
  /** 1 while the CPU limiter is on. */
  cpuLimited: number;
  cpuLimitedNs: number;
  cpuLimitedCount: number;
}
/** The order of GcStats' numbers as the module writes them. */
export declare const GC_STATS: readonly (keyof GcStats)[];

// --- the API -------------------------------------------------------------------------------

/** An address in the module's memory (a byte offset; 0 is NULL). */
export type Address = number;
/** A type made by GcHeap.type(): the address of its tri_type. */
export type GcType = number;

export interface LoadOptions {
  /** The bytes of tricolor-core.wasm. Without them the module reads the file beside
   * tricolor-core.mjs (in Node), or fetches it from beside the script that holds the
   * module (in a browser, the bundle's URL when bundled), unless locateFile says where. */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Where a file of the module is, given its name and the script's directory. */
  locateFile?: (path: string, scriptDirectory: string) => string;
  /** The C side's stdout and stderr, a line at a time (console.log and console.error by default). */
  print?: (text: string) => void;
  printErr?: (text: string) => void;
}

/** Loads and instantiates the module; each call makes a module of its own. */
export declare function loadTricolor(options?: LoadOptions): Promise<Tricolor>;

/** Thrown when the module's memory cannot hold what the API itself needs. */
export declare class OutOfMemoryError extends RangeError {
  constructor(what: string);
}

/** The Emscripten module: its memory, string helpers and the exported C functions. */
export interface EmscriptenModule {
  HEAP8: Int8Array;
  HEAP16: Int16Array;
  HEAP32: Int32Array;
  HEAPU8: Uint8Array;
  HEAPU16: Uint16Array;
  HEAPU32: Uint32Array;
  HEAPF32: Float32Array;
  HEAPF64: Float64Array;
  UTF8ToString(address: Address, maxBytes?: number): string;
  stringToUTF8(text: string, address: Address, maxBytes: number): void;
  lengthBytesUTF8(text: string): number;
  /** The C functions, by their names with a leading underscore (_tri_malloc, _tri_gc_collect, ...). */
  [cFunction: `_${string}`]: (...args: number[]) => number;
}

export interface SizeClass {
  sizeClass: number;
  /** Bytes of an object. */
  size: number;
  /** Pages of a span. */
  pages: number;
  /** Objects in a span. */
  objects: number;
}

export interface HeapConfig {
  /** 'hybrid' by default. */
  barrier?: Barrier;
  /** Capacity of the event ring, a power of two; 0 (the default): no events. */
  events?: number;
  /** Heap growth percentage between cycles, or 'off' for no automatic cycles; 0: TRI_GOGC or 100. */
  gogc?: number | 'off';
  /** A soft limit in bytes that paces cycles; 0: none. */
  memoryLimit?: number;
  /** A hard limit on the heap's span bytes (see GcHeap.setMaxHeap); 0: none. */
  maxHeap?: number;
  /** Check the heap at every mark termination (see GcHeap.verify). */
  verify?: boolean;
  /** 1: a mark step at every allocation; 2: a whole cycle. */
  stress?: number;
  /** Scan work of one incremental step; 0: 64 KiB. */
  stepBytes?: number;
  /** The smallest heap goal at GOGC 100; 0: 4 MiB. */
  minHeap?: number;
}

/** `count` root slots in the module's memory, registered with the heap. */
export interface RootSet {
  readonly base: Address;
  readonly count: number;
  get(index: number): Address;
  set(index: number, object: Address): void;
  clear(): void;
  /** Unregisters the slots and frees them. */
  release(): void;
}

export interface EventRing {
  /** EVENT records over the module's memory; event k is at word EVENT.words * (k % capacity). */
  ring: Uint32Array;
  capacity: number;
  /** Events written since the heap was made. */
  written: number;
}

/** An event, decoded (tri_gc_event). */
export interface GcEvent {
  index: number;
  kind: EventKind;
  arg: number;
  timeNs: number;
  a: number;
  b: number;
  c: number;
  d: number;
}

/** What the verifier found: an edge (object's slot -> target; object 0 for a root), and why it is wrong. */
export interface Violation {
  object: Address;
  slot: Address;
  target: Address;
  /** The verifier's reason, as "black object points to a white object". */
  what: string;
}

/** A weak reference (GcHeap.weak). */
export interface WeakReference {
  /** The target, or 0 once a cycle found it unreachable; while a cycle marks, shades it (it may be stored anywhere). */
  get(): Address;
  /** The same without shading, for what only looks: it keeps nothing alive, and must not be stored into the heap. */
  peek(): Address;
  /** Lets the reference go; it may not be used after. */
  free(): void;
}

export interface VerifyReport {
  violations: number;
  objectsChecked: number;
  /** The first VIOLATIONS violations at most. */
  first: Violation[];
}

/** The module: the allocator, and the collected heaps made by createHeap. */
export declare class Tricolor {
  constructor(module: EmscriptenModule);
  readonly m: EmscriptenModule;
  /** A buffer of the module's memory for the results the C side writes. */
  readonly scratch: Address;
  /** Views over the whole memory, as of the last views(). */
  u8: Uint8Array;
  u32: Uint32Array;
  f64: Float64Array;

  /** The layout the module was compiled with. */
  moduleShape(): Shape;
  /** Throws if the module and tricolor-layout.mjs come from different sources. */
  checkLayout(shape?: Shape): void;
  /** Makes the views anew if the memory has grown since; returns this. */
  views(): this;
  readonly memoryBytes: number;

  /** 0 when out of memory, as C's NULL. */
  malloc(size: number): Address;
  calloc(count: number, size: number): Address;
  realloc(address: Address, size: number): Address;
  free(address: Address): void;
  usableSize(address: Address): number;
  /** Gives every free page back; returns the bytes released. */
  releaseIdleMemory(): number;
  sizeClassOf(size: number): number;
  /** The NUL-terminated UTF-8 string at an address. */
  string(address: Address): string;

  stats(): AllocatorStats;
  /** Where tricolor's memory starts: below are the module's static data and stack. */
  readonly heapBase: Address;
  /** The end of the memory tricolor has taken so far. */
  readonly heapEnd: Address;
  /** Every page tricolor has reserved, as PAGE_RUN records in runs of one state. */
  pageRuns(): Uint32Array;
  sizeClasses(): SizeClass[];
  /** A collected heap; throws a RangeError for a bad barrier or events count. */
  createHeap(config?: HeapConfig): GcHeap;
}

/** A collected heap: typed objects, roots, the write barrier, cycles and what tools see of them. */
export declare class GcHeap {
  constructor(tri: Tricolor, heap: Address);
  readonly tri: Tricolor;
  readonly m: EmscriptenModule;
  /** The C heap (tri_gc_heap *); 0 once destroyed. */
  readonly ptr: Address;
  /** The types made by type(), freed by destroy(). */
  readonly types: GcType[];
  /** The root sets not yet released, freed by destroy(). */
  readonly rootSets: RootSet[];

  /** A type of `words` 32-bit words, of which the words listed in `pointers` hold pointers. */
  type(name: string, words: number, pointers?: readonly number[]): GcType;
  /** A zeroed object; 0 when out of memory. */
  alloc(type: GcType): Address;
  allocArray(type: GcType, count: number): Address;
  /** An object the collector does not scan. */
  allocNoscan(size: number): Address;
  /** Word `index` of `object` = value, through the write barrier. In a heap with events every such
   * store is an event, marking or not: the event stream holds the object graph (but the roots). */
  write(object: Address, index: number, value: Address): void;
  read(object: Address, index: number): number;
  /** Word `index` of `object` = value, for a word that holds no pointer: a plain store, no barrier. */
  store(object: Address, index: number, value: number): void;
  /** Calls fn(slot, value) for every store through a root set's set() or clear(); null: none. */
  onRootStore(fn: ((slot: Address, value: Address) => void) | null): void;
  /** A weak reference to an object of this heap; throws a RangeError for anything else. */
  weak(object: Address): WeakReference;
  roots(count: number): RootSet;

  /** About `budget` bytes of marking or sweeping; returns the work done. */
  step(budget?: number): number;
  /** False if a cycle runs already. */
  startCycle(): boolean;
  finishCycle(): void;
  collect(): void;
  readonly phase: Phase;
  /** Between cycles only: false while one runs. */
  setBarrier(mode: Barrier): boolean;
  setGogc(gogc: number | 'off'): void;
  setMemoryLimit(bytes: number): void;
  /** A hard limit on the heap's span bytes: past it an allocation runs a full collection,
   * then returns 0 if there is still no room. 0: none. */
  setMaxHeap(bytes: number): void;
  colorOf(address: Address): Color;
  /** The object an address points into, or null. */
  objectOf(address: Address): { address: Address; size: number } | null;

  stats(): GcStats;
  /** SPAN records of the heap's spans. */
  spans(): Uint32Array;
  /** A bitmap in the module's memory (a span's allocBits, markBits or greyBits) of `count` bits. */
  bits(address: Address, count: number): Uint32Array;
  /** An object's pointer slots and where they point. */
  pointers(object: Address): [slot: Address, target: Address][];
  /** The root slots and where they point. */
  rootSlots(): [slot: Address, target: Address][];
  /** OBJECT records of every object. */
  objects(): Uint32Array;
  eventRing(): EventRing;
  /** The events numbered from `since` on, as many as the ring still holds. */
  events(since?: number): GcEvent[];
  /** A verifier run now, or with `last`, the report of the latest run at mark termination. */
  verify(last?: boolean): VerifyReport;
  /** The oldest report of a run at mark termination that found violations, or null. */
  takeVerifyReport(): VerifyReport | null;
  /** Runs the finalizers cycles queued; returns how many ran. */
  runFinalizers(): number;
  /** Frees every object, type and root set of the heap, and the heap. */
  destroy(): void;
}

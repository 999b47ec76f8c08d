/**
 * Zero-copy typed views over native memory. Only src/native touches koffi; the engine reads llama.cpp's
 * logits through these.
 */
import koffi from "koffi";
import type { NativePointer } from "./llama-api.js";

/** A Float32Array over `count` floats at `pointer`. Valid only while llama.cpp keeps that buffer (logits: until the next decode). */
export function nativeFloats(pointer: NativePointer, count: number): Float32Array {
  return new Float32Array(koffi.view(pointer, count * 4));
}

/** Whether a shared library can be opened (GPU runtime detection), without keeping anything loaded for use. */
import koffi from "koffi";

export function canOpenLibrary(library: string): boolean {
  try {
    koffi.load(library);
    return true;
  } catch {
    return false;
  }
}

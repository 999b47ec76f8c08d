/**
 * Child-process side of `quantizeGguf`: calls llama.cpp's `llama_model_quantize` and reports progress
 * over IPC. Running it in a child process means Ctrl-C can stop it at once (the C call has no abort
 * hook) and a crash inside llama.cpp on a hostile file cannot take the caller down.
 */
import { errorMessage } from "../core/index.js";
import { loadLlama } from "./load-llama.js";

/** Request sent by the parent. */
export interface QuantizeRequest {
  input: string;
  output: string;
  ftype: number;
  threads: number;
}

/** Messages sent to the parent. */
export type QuantizeMessage =
  | { type: "tensor"; index: number; total: number; name: string }
  | { type: "done" }
  | { type: "error"; message: string; log: string[] };

const TENSOR_LINE = /^\[\s*(\d+)\/\s*(\d+)\]\s+(\S+)/;

function send(message: QuantizeMessage): void {
  // With a callback, a parent that went away is an error passed here, not an uncaught 'error' event
  // raised while llama.cpp is still running (see load-llama.ts): the parent no longer listens anyway.
  process.send?.(message, undefined, {}, () => undefined);
}

function run(request: QuantizeRequest): void {
  try {
    const llama = loadLlama("cpu");
    llama.onLog((_level, line) => {
      const match = TENSOR_LINE.exec(line);
      if (match !== null)
        send({ type: "tensor", index: Number(match[1]), total: Number(match[2]), name: match[3]! });
    });
    const params = llama.api.model_quantize_default_params();
    params.ftype = request.ftype;
    params.nthread = request.threads;
    params.allow_requantize = false;
    const rc = llama.api.model_quantize(request.input, request.output, params);
    if (rc !== 0) {
      send({ type: "error", message: `llama_model_quantize returned ${rc}`, log: llama.recentLog() });
    } else {
      send({ type: "done" });
    }
  } catch (error) {
    send({ type: "error", message: errorMessage(error), log: [] });
  }
}

process.once("message", (request: QuantizeRequest) => {
  run(request);
  process.disconnect?.();
});

/** The OpenAI mappers are pure functions: JSON fixtures in, backend requests (or field-named errors) out. */
import { describe, expect, it } from "vitest";
import type { GenerationSummary, PromptScores } from "../../src/server/backend.js";
import { parseChatCompletionBody, parseCompletionBody } from "../../src/server/openai/requests.js";
import {
  appendGeneratedLogprob,
  appendPromptLogprobs,
  chatChunk,
  chatCompletion,
  emptyLegacyLogprobs,
  modelList,
} from "../../src/server/openai/responses.js";
import { itMapsFixtures } from "./fixtures.js";

describe("OpenAI request mappers", () => {
  itMapsFixtures(new URL("./fixtures/openai-requests.json", import.meta.url), {
    chat: parseChatCompletionBody,
    completions: parseCompletionBody,
  });
});

describe("OpenAI response mappers", () => {
  const identity = { id: "chatcmpl-1", created: 1729418400, model: "m" };
  const summary: GenerationSummary = {
    text: "salam",
    finishReason: "stop",
    promptTokens: 12,
    completionTokens: 6,
    context: undefined,
    durations: { totalNs: 1, loadNs: 0, promptNs: 0, evalNs: 1 },
  };
  const token = (t: string, logprob: number): { token: string; logprob: number; bytes: number[] } => ({
    token: t,
    logprob,
    bytes: [...Buffer.from(t)],
  });

  it("a chat completion has one choice, usage and optional logprobs", () => {
    const lp = [{ ...token("س", -0.01), top: [token("س", -0.01), token("ش", -4)] }];
    expect(chatCompletion(identity, "salam", summary, lp)).toEqual({
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 1729418400,
      model: "m",
      system_fingerprint: "atlas",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: "salam", refusal: null },
          logprobs: {
            content: [
              {
                token: "س",
                logprob: -0.01,
                bytes: [216, 179],
                top_logprobs: [token("س", -0.01), token("ش", -4)],
              },
            ],
            refusal: null,
          },
          finish_reason: "stop",
        },
      ],
      usage: { prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 },
    });
  });

  it("stream chunks: usage null until the usage chunk with no choices", () => {
    expect(chatChunk(identity, { delta: { content: "s" }, finish_reason: null }, null)).toMatchObject({
      object: "chat.completion.chunk",
      choices: [{ index: 0, delta: { content: "s" }, logprobs: null, finish_reason: null }],
      usage: null,
    });
    expect(
      chatChunk(identity, undefined, { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }),
    ).toMatchObject({
      choices: [],
      usage: { total_tokens: 3 },
    });
    expect(chatChunk(identity, { delta: {}, finish_reason: "length" }, undefined)).not.toHaveProperty(
      "usage",
    );
  });

  it("legacy logprobs: echoed prompt (first null) then generated tokens, top maps include the chosen token", () => {
    const scores: PromptScores = {
      text: "The capital",
      offsets: [0, 0, 3],
      tokens: [
        { id: 2, token: "<bos>", logprob: null, top: null },
        { id: 1, token: "The", logprob: -3.2, top: [token("A", -1.1)] },
        { id: 3, token: " capital", logprob: -0.9, top: [token(" capital", -0.9)] },
      ],
    };
    const lp = emptyLegacyLogprobs();
    appendPromptLogprobs(lp, scores, 0);
    appendGeneratedLogprob(lp, { ...token(" is", -0.4), top: [token(" is", -0.4)] }, 11);
    expect(lp).toEqual({
      tokens: ["<bos>", "The", " capital", " is"],
      token_logprobs: [null, -3.2, -0.9, -0.4],
      top_logprobs: [null, { A: -1.1, The: -3.2 }, { " capital": -0.9 }, { " is": -0.4 }],
      text_offset: [0, 0, 3, 11],
    });
  });

  it("the model list is OpenAI's list object", () => {
    const models = [
      {
        name: "tiny",
        sizeBytes: 1,
        modifiedAt: new Date("2024-10-20T10:00:00Z"),
        digest: "",
        details: { format: "gguf", family: "gemma2", parameterSize: "", quantizationLevel: "" },
      },
    ];
    expect(modelList(models)).toEqual({
      object: "list",
      data: [{ id: "tiny", object: "model", created: 1729418400, owned_by: "atlas" }],
    });
  });
});

import { describe, expect, it } from "vitest";
import { dataFormatOf, selectSplitFiles } from "./split-files.js";

describe("selectSplitFiles", () => {
  const hub = [
    "README.md",
    "data/train-00001-of-00002.parquet",
    "data/train-00000-of-00002.parquet",
    "data/test-00000-of-00001.parquet",
    "data/validation.jsonl",
  ];

  it("picks a split by the datasets naming conventions, sorted", () => {
    expect(selectSplitFiles(hub, "train")).toEqual([
      "data/train-00000-of-00002.parquet",
      "data/train-00001-of-00002.parquet",
    ]);
    expect(selectSplitFiles(hub, "validation")).toEqual(["data/validation.jsonl"]);
    expect(selectSplitFiles(["train/0000.parquet", "test/0000.parquet"], "test")).toEqual([
      "test/0000.parquet",
    ]);
    expect(selectSplitFiles(hub, "dev")).toEqual([]);
  });

  it("treats a dataset without split names as train, and prefers parquet over a jsonl copy", () => {
    expect(selectSplitFiles(["a.jsonl", "b.ndjson", "notes.txt"], "train")).toEqual(["a.jsonl", "b.ndjson"]);
    expect(selectSplitFiles(["a.jsonl"], "test")).toEqual([]);
    expect(selectSplitFiles(["jsonl/train-0.jsonl", "parquet/train-0.parquet"], "train")).toEqual([
      "parquet/train-0.parquet",
    ]);
    expect(dataFormatOf("X.PARQUET")).toBe("parquet");
    expect(dataFormatOf("x.json")).toBeUndefined();
  });
});

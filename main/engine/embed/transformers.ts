import { AutoModel, AutoTokenizer, env } from '@huggingface/transformers';
import type { PreTrainedModel, PreTrainedTokenizer, Tensor } from '@huggingface/transformers';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { EngineError, throwIfCancelled } from '../../common/contracts/errors.ts';
import type { TaskContext } from '../common/task-context.ts';
import type { EmbeddingEffective, EmbeddingProvider } from './provider.ts';

export const DEFAULT_TRANSFORMERS_MODEL = 'Xenova/all-MiniLM-L6-v2';
export type TransformersDevice = 'cpu' | 'cuda' | 'dml' | 'coreml';
export type TransformersDtype = 'q8' | 'fp32' | 'fp16' | 'int8' | 'uint8' | 'q4';

export interface TransformersOptions {
  /** Hub model id (loaded from the hub cache, downloaded there when missing and the network allows) */
  model?: string;
  /** a local model folder (config.json, tokenizer.json, onnx/model*.onnx): no network access at all */
  modelPath?: string;
  /** where hub models are cached */
  cacheDir?: string;
  /** q8 loads onnx/model_quantized.onnx, fp32 onnx/model.onnx */
  dtype?: TransformersDtype;
  device?: TransformersDevice;
  batchSize?: number;
  /** cut texts at this many tokens (never above the model's own maximum) */
  maxLength?: number;
}

interface Loaded {
  tokenizer: PreTrainedTokenizer;
  model: PreTrainedModel;
  device: TransformersDevice;
  dimensions: number;
  maxLength: number;
  modelName: string;
}

/**
 * sentence-transformers folders name the sequence length the model was trained with
 * (all-MiniLM-L6-v2: 256, where its tokenizer allows 512); that library cuts texts there, and so do we.
 */
function sentenceTransformersMaxLength(folder: string): number | undefined {
  const file = join(folder, 'sentence_bert_config.json');
  if (!existsSync(file)) return undefined;
  let config: { max_seq_length?: unknown };
  try {
    config = JSON.parse(readFileSync(file, 'utf8')) as { max_seq_length?: unknown };
  } catch (err) {
    throw new EngineError('invalid-input', `${file} is not valid JSON (${(err as Error).message}): fix or delete it`, { field: 'modelPath' });
  }
  return typeof config.max_seq_length === 'number' ? config.max_seq_length : undefined;
}

function modelNotFound(options: TransformersOptions, cause: string): EngineError {
  const model = options.model ?? DEFAULT_TRANSFORMERS_MODEL;
  const where = options.modelPath
    ? `in the local folder ${resolve(options.modelPath)} (it needs config.json, tokenizer.json, tokenizer_config.json and onnx/${options.dtype === 'fp32' ? 'model.onnx' : 'model_quantized.onnx'})`
    : `in the Hugging Face cache${options.cacheDir ? ` ${options.cacheDir}` : ''}, and it could not be downloaded`;
  const todo = options.modelPath
    ? `download ${model} on a connected machine (huggingface.co/${model}) and copy its files into ${resolve(options.modelPath)}`
    : `run once on a connected machine so it lands in the cache, or download it into a folder and set semantic.modelPath`;
  return new EngineError(
    'invalid-input',
    `embedding model ${options.modelPath ?? model} was not found ${where}: ${todo}; or use semantic.provider=builtin, which needs no download (${cause})`,
    {
      field: options.modelPath ? 'modelPath' : 'model',
    },
  );
}

/**
 * Sentence embeddings from a transformer encoder run by ONNX Runtime through transformers.js:
 * texts sorted by token length into batches padded only to their longest member, mean pooling over
 * the attention mask, L2 normalisation. Texts longer than the model's maximum are cut and counted.
 */
export class TransformersProvider implements EmbeddingProvider {
  readonly name = 'transformers';
  private readonly loaded: Loaded;
  private readonly batchSize: number;
  private readonly requestedDevice: TransformersDevice;
  private truncated = 0;

  private constructor(loaded: Loaded, batchSize: number, requestedDevice: TransformersDevice) {
    this.loaded = loaded;
    this.batchSize = batchSize;
    this.requestedDevice = requestedDevice;
  }

  static async load(options: TransformersOptions, ctx: TaskContext): Promise<TransformersProvider> {
    const batchSize = options.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new EngineError('invalid-input', `semantic.batchSize must be a positive integer, got ${batchSize}`, { field: 'batchSize' });
    let modelId = options.model ?? DEFAULT_TRANSFORMERS_MODEL;
    if (options.modelPath) {
      const folder = resolve(options.modelPath);
      if (!existsSync(folder)) throw modelNotFound(options, `${folder} does not exist`);
      // a local folder must never reach the network: transformers.js resolves ids under localModelPath
      env.allowRemoteModels = false;
      env.allowLocalModels = true;
      env.localModelPath = dirname(folder) + '/';
      modelId = basename(folder);
    } else {
      env.allowRemoteModels = true;
      if (options.cacheDir) env.cacheDir = options.cacheDir;
    }
    const localOnly = Boolean(options.modelPath);
    const dtype = options.dtype ?? 'q8';
    const requested = options.device ?? 'cpu';
    let tokenizer: PreTrainedTokenizer;
    try {
      tokenizer = await AutoTokenizer.from_pretrained(modelId, { local_files_only: localOnly });
    } catch (err) {
      throw modelNotFound(options, (err as Error).message);
    }
    throwIfCancelled(ctx.signal);
    const open = (device: TransformersDevice) => AutoModel.from_pretrained(modelId, { local_files_only: localOnly, dtype, device });
    let model: PreTrainedModel;
    let device = requested;
    try {
      model = await open(requested);
    } catch (err) {
      const message = (err as Error).message;
      if (/not (be )?found|could not locate|no such file|ENOENT|Unauthorized|404/i.test(message)) throw modelNotFound(options, message);
      if (requested === 'cpu') throw new EngineError('internal', `loading ${modelId} failed: ${message}`);
      ctx.log('warn', `execution provider ${requested} is unavailable (${message.split('\n')[0]}); falling back to cpu`);
      device = 'cpu';
      model = await open('cpu');
    }
    const config = model.config as unknown as { hidden_size?: number; dim?: number; d_model?: number; max_position_embeddings?: number };
    const dimensions = config.hidden_size ?? config.dim ?? config.d_model;
    if (!dimensions) throw new EngineError('invalid-input', `${modelId}: config.json has no hidden_size, so the embedding size is unknown`, { field: 'model' });
    const trainedLength = options.modelPath ? sentenceTransformersMaxLength(resolve(options.modelPath)) : undefined;
    const limits = [tokenizer.model_max_length as number, config.max_position_embeddings, trainedLength, options.maxLength].filter(
      (n): n is number => typeof n === 'number' && n > 0 && Number.isFinite(n),
    );
    const maxLength = Math.min(...limits, 512);
    ctx.log('info', `transformers: ${modelId} (${dtype}) on ${device}, ${dimensions} dimensions, max ${maxLength} tokens`);
    return new TransformersProvider(
      { tokenizer, model, device, dimensions, maxLength, modelName: options.modelPath ? resolve(options.modelPath) : modelId },
      batchSize,
      requested,
    );
  }

  get dimensions(): number {
    return this.loaded.dimensions;
  }

  async embed(texts: readonly string[], ctx: TaskContext): Promise<Float32Array> {
    const { tokenizer, model, dimensions: d, maxLength } = this.loaded;
    const lengths = texts.map((t) => (tokenizer.encode(t) as number[]).length);
    this.truncated += lengths.filter((n) => n > maxLength).length;
    const order = Array.from(texts.keys()).sort((a, b) => lengths[a]! - lengths[b]!);
    const out = new Float32Array(texts.length * d);
    for (let start = 0; start < order.length; start += this.batchSize) {
      throwIfCancelled(ctx.signal);
      const batch = order.slice(start, start + this.batchSize);
      const inputs = tokenizer(
        batch.map((i) => texts[i]!),
        { padding: true, truncation: true, max_length: maxLength },
      );
      const outputs = (await model(inputs)) as Record<string, Tensor>;
      const hidden = outputs.last_hidden_state ?? outputs.token_embeddings;
      if (!hidden)
        throw new EngineError('invalid-input', `the model's outputs (${Object.keys(outputs).join(', ')}) include no last_hidden_state or token_embeddings`);
      meanPoolInto(out, batch, hidden.data as Float32Array, (inputs.attention_mask as Tensor).data as BigInt64Array, hidden.dims[1]!, d);
      ctx.progress({ stage: 'embed', current: Math.min(order.length, start + this.batchSize), total: order.length, unit: 'texts' });
    }
    return out;
  }

  effective(): EmbeddingEffective {
    return {
      provider: 'transformers',
      model: this.loaded.modelName,
      dimensions: this.loaded.dimensions,
      device: this.loaded.device,
      ...(this.loaded.device !== this.requestedDevice ? { requestedDevice: this.requestedDevice } : {}),
      truncated: this.truncated,
      maxLength: this.loaded.maxLength,
    };
  }

  async dispose(): Promise<void> {
    await this.loaded.model.dispose();
  }
}

/** Mean of the token vectors under the mask, L2-normalised, written to the rows `targets` of `out`. */
function meanPoolInto(out: Float32Array, targets: readonly number[], hidden: Float32Array, mask: BigInt64Array, seqLen: number, d: number): void {
  const acc = new Float64Array(d);
  targets.forEach((target, b) => {
    acc.fill(0);
    let count = 0;
    for (let s = 0; s < seqLen; s++) {
      if (mask[b * seqLen + s] === 0n) continue;
      count++;
      const o = (b * seqLen + s) * d;
      for (let k = 0; k < d; k++) acc[k]! += hidden[o + k]!;
    }
    let len = 0;
    for (let k = 0; k < d; k++) len += acc[k]! * acc[k]!;
    if (count === 0 || len === 0) return;
    const inv = 1 / Math.sqrt(len);
    for (let k = 0; k < d; k++) out[target * d + k] = acc[k]! * inv;
  });
}

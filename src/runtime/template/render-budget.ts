/**
 * What rendering one delivery may spend, shared by all of its items (a per-item budget bounds nothing when one
 * body carries many items): interpreter steps, which stand in for time because the Workers clock does not advance
 * during synchronous work, and an output budget for what size-growing operations build. Charges that guard an
 * allocation are made before it, so a template over budget fails fast and allocates little. Pure.
 */
import { TemplateError } from "./template-error";

/** Interpreter steps one delivery may take across all its items. */
export const MAX_RENDER_STEPS = 200_000;
/** Work (characters walked; an entry counts as value-size's ENTRY_WORK) that costs one more step. */
export const WORK_PER_STEP = 64;
/**
 * Characters one delivery's size-growing operations may build (indent, replace, join, tojson and string, `~` and
 * string `+`, string `*`, a list or mapping written out as text), list `+` counting its entries: twice the 1 MiB
 * body limit, room to copy a whole body through `tojson`.
 */
export const MAX_OUTPUT_CHARS = 2 * 1024 * 1024;

export class RenderBudget {
  private steps = 0;
  private output = 0;

  /** Pays for one evaluation. */
  step(): void {
    this.spend(1);
  }

  /** Pays for an operation walking `work` characters: one step per WORK_PER_STEP, before it walks them. */
  walk(work: number): void {
    this.spend(Math.floor(work / WORK_PER_STEP));
  }

  private spend(steps: number): void {
    this.steps += steps;
    if (this.steps > MAX_RENDER_STEPS) throw new TemplateError(`Template exceeded the render budget of ${MAX_RENDER_STEPS} steps per delivery`);
  }

  /** What is left of the output budget: a size prediction may stop counting once it passes this. */
  get outputLeft(): number {
    return MAX_OUTPUT_CHARS - this.output;
  }

  /** Reserves `size` characters for `operation` before it builds them; when they do not fit, throws instead. */
  reserve(size: number, operation: string): void {
    if (size > this.outputLeft) {
      throw new TemplateError(
        `${operation} would build more than the ${this.outputLeft} characters left of the output budget (${MAX_OUTPUT_CHARS} characters per delivery)`,
      );
    }
    this.output += size;
  }
}

/**
 * Escape hatches: every component takes `transform` hooks for the children it creates, as SST's
 * components do, so a caller can change what the component does not expose without forking it.
 *
 * A hook is either a partial set of args merged over the component's own (shallowly), or a function
 * that edits the args and options in place (or returns new args). Hooks run last, after the
 * component has normalized its inputs, so what a caller sets wins.
 */
import type * as pulumi from "@pulumi/pulumi";

/** A hook over one child's args: merged when an object, called when a function. */
export type Transform<Args> =
  Partial<Args> | ((args: Args, opts: pulumi.CustomResourceOptions, name: string) => Args | void);

/** The hooks a component accepts, one per kind of child: `{ bucket?: Transform<aws.s3.BucketArgs> }`. */
export type Transforms<Children extends Record<string, object>> = {
  [K in keyof Children]?: Transform<Children[K]>;
};

/**
 * The child's name, args and options after `hook`: what to pass to the resource's constructor.
 * `opts` is copied, never mutated, so one options object can be shared by many children.
 */
export function transform<Args extends object>(
  hook: Transform<Args> | undefined,
  name: string,
  args: Args,
  opts: pulumi.CustomResourceOptions = {},
): [string, Args, pulumi.CustomResourceOptions] {
  const options = { ...opts };
  if (hook === undefined) return [name, args, options];
  if (typeof hook === "function") {
    const copy = { ...args };
    const returned = hook(copy, options, name);
    return [name, returned ?? copy, options];
  }
  return [name, { ...args, ...hook }, options];
}

import { expect } from "chai";
import { transform } from "../../components/transform";

describe("components: transform hooks", () => {
  const args: { size: number; name: string; tags: Record<string, string> } = {
    size: 1,
    name: "a",
    tags: { team: "x" },
  };
  const opts = { protect: false };

  it("passes name, args and options through without a hook", () => {
    expect(transform(undefined, "child", args, opts)).to.deep.equal(["child", args, opts]);
  });

  it("merges an object hook over the component's args, shallowly", () => {
    const [, merged] = transform({ size: 5, tags: { owner: "y" } }, "child", args, opts);
    expect(merged).to.deep.equal({ size: 5, name: "a", tags: { owner: "y" } });
  });

  it("lets a function hook edit args and options in place", () => {
    const [name, edited, options] = transform(
      (a, o, n) => {
        a.size = n.length;
        o.protect = true;
      },
      "child",
      args,
      opts,
    );
    expect(name).to.equal("child");
    expect(edited).to.deep.equal({ ...args, size: 5 });
    expect(options).to.deep.equal({ protect: true });
  });

  it("uses the args a function hook returns", () => {
    const [, replaced] = transform(() => ({ size: 9, name: "b", tags: {} }), "child", args);
    expect(replaced).to.deep.equal({ size: 9, name: "b", tags: {} });
  });

  it("never mutates the caller's args or options", () => {
    transform(
      (a, o) => {
        a.size = 99;
        o.protect = true;
      },
      "child",
      args,
      opts,
    );
    expect(args.size).to.equal(1);
    expect(opts.protect).to.equal(false);
  });
});

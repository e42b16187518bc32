import { expect } from "chai";
import {
  ECS_MEMORY_RESERVE,
  GRAVITON_INSTANCE_TYPES,
  smallestInstanceType,
  taskCapacityOf,
} from "../../components/ec2-capacity";

describe("ec2-capacity", () => {
  describe("taskCapacityOf", () => {
    it("offers 1024 CPU units a vCPU and the memory ECS does not keep back", () => {
      expect(ECS_MEMORY_RESERVE).to.equal(0.1);
      expect(taskCapacityOf({ vcpus: 2, memoryGiB: 1 })).to.deep.equal({ cpu: 2048, memory: 921 });
      expect(taskCapacityOf({ vcpus: 2, memoryGiB: 2 })).to.deep.equal({ cpu: 2048, memory: 1843 });
    });
  });

  describe("smallestInstanceType", () => {
    const cases: [string, { cpu: number; memory: number }[], string][] = [
      ["a dev gateway (0.25 vCPU, 512 MiB) on a micro", [{ cpu: 256, memory: 512 }], "t4g.micro"],
      ["up to what a micro offers (921 MiB)", [{ cpu: 256, memory: 921 }], "t4g.micro"],
      ["one MiB more on a small", [{ cpu: 256, memory: 922 }], "t4g.small"],
      ["the prod gateway (1 GiB) on a small", [{ cpu: 512, memory: 1024 }], "t4g.small"],
      ["a tiny task on a nano (460 MiB offered)", [{ cpu: 128, memory: 460 }], "t4g.nano"],
      [
        "tasks summed",
        [
          { cpu: 512, memory: 1024 },
          { cpu: 512, memory: 1024 },
        ],
        "t4g.medium",
      ],
      ["CPU decides past 2 vCPU", [{ cpu: 3072, memory: 1024 }], "t4g.xlarge"],
    ];
    for (const [title, tasks, want] of cases) {
      it(title, () => expect(smallestInstanceType(tasks)).to.equal(want));
    }
    it("keeps the order of the types it is given", () => {
      expect(Object.keys(GRAVITON_INSTANCE_TYPES)[0]).to.equal("t4g.nano");
      expect(
        smallestInstanceType([{ cpu: 256, memory: 512 }], {
          "t4g.small": GRAVITON_INSTANCE_TYPES["t4g.small"]!,
          "t4g.micro": GRAVITON_INSTANCE_TYPES["t4g.micro"]!,
        }),
      ).to.equal("t4g.small");
    });
    it("refuses tasks no type fits, saying how much they need", () => {
      expect(() => smallestInstanceType([{ cpu: 16384, memory: 1024 }])).to.throw(
        /fits 16384 CPU units and 1024 MiB of tasks/,
      );
    });
  });
});

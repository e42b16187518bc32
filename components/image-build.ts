/**
 * Container images the program builds and pushes itself: the build context's digest, an immutable
 * tag per build input, and the scan-on-push repository the image goes into, referenced by digest.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT_ROOT } from "./bundle";
import { imageRepository } from "./ecr";
import { transform, type Transform } from "./transform";

/** Directories a build context never sends (the Dockerfile builds them itself). */
const CONTEXT_EXCLUDED = new Set(["node_modules", "dist", ".git"]);

/**
 * SHA-256 over a build context's files (paths and contents, sorted), without what
 * CONTEXT_EXCLUDED names: equal sources give equal digests on every machine.
 */
export function contextDigest(dir: string): string {
  const hash = createHash("sha256");
  const walk = (relative: string): void => {
    const entries = fs
      .readdirSync(path.join(dir, relative), { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const child = path.posix.join(relative, entry.name);
      if (entry.isDirectory()) {
        if (!CONTEXT_EXCLUDED.has(entry.name)) walk(child);
      } else if (entry.isFile()) {
        hash
          .update(`${child}\0`)
          .update(fs.readFileSync(path.join(dir, child)))
          .update("\0");
      }
    }
  };
  walk("");
  return hash.digest("hex");
}

/** Functions run on Graviton: images are built for arm64 only. */
export const IMAGE_PLATFORM = "linux/arm64";

/** What determines an image build: the tag must change whenever any of it does. */
export interface ImageBuildInputs {
  /** `contextDigest` of the build context (the Dockerfile inside it included). */
  contextDigest: string;
  /** Dockerfile path, relative to the context. */
  dockerfile: string;
  platforms: string[];
  buildArgs: Record<string, string>;
  target?: string;
}

/**
 * The immutable tag of a build: `build-` and 16 hex of SHA-256 over every build input, in a
 * canonical order, so equal inputs give equal tags and a change of platform, argument or target
 * never pushes an existing tag again (ECR refuses that on an IMMUTABLE repository).
 */
export function imageBuildTag(inputs: ImageBuildInputs): string {
  const canonical = JSON.stringify([
    inputs.contextDigest,
    inputs.dockerfile,
    [...inputs.platforms].sort(),
    Object.entries(inputs.buildArgs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    inputs.target ?? null,
  ]);
  return `build-${createHash("sha256").update(canonical).digest("hex").slice(0, 16)}`;
}

/** An image to build from a context under `containers/`. */
export interface ContainerImageSpec {
  /**
   * Build context, relative to the project root.
   * @example "containers/web-api"
   */
  context: string;
  /**
   * Dockerfile, relative to the context.
   * @default "Dockerfile"
   */
  dockerfile?: string;
  /**
   * Build arguments (`--build-arg`); part of the image tag.
   * @default {}
   */
  buildArgs?: Record<string, string>;
  /**
   * Stage of a multi-stage Dockerfile to build (`--target`); part of the image tag.
   * @default the last stage
   */
  target?: string;
  /**
   * Images the repository keeps; older ones expire.
   * @default 20
   */
  keep?: number;
}

/**
 * A scan-on-push repository `<name>-image` with immutable tags, and the image built from `spec`
 * and pushed into it under a tag of its build inputs: a rebuild of the same inputs pushes nothing
 * new, and any change never reuses a tag. Run the image by digest.
 */
export function pushedImage(
  name: string,
  spec: ContainerImageSpec,
  options: {
    /** Let a destroy delete the repository with its images. */
    forceDelete: boolean;
    /** A hook over the image build's args. */
    transform?: Transform<dockerBuild.ImageArgs>;
    parent: pulumi.Resource;
  },
): { image: dockerBuild.Image; repository: aws.ecr.Repository } {
  const { parent } = options;
  const repository = imageRepository(
    `${name}-image`,
    { immutableTags: true, keep: spec.keep ?? 20, forceDelete: options.forceDelete },
    { parent },
  );
  const credentials = aws.ecr.getAuthorizationTokenOutput(
    { registryId: repository.registryId },
    { parent },
  );
  const context = path.join(PROJECT_ROOT, spec.context);
  const dockerfile = spec.dockerfile ?? "Dockerfile";
  const tag = imageBuildTag({
    contextDigest: contextDigest(context),
    dockerfile,
    platforms: [IMAGE_PLATFORM],
    buildArgs: spec.buildArgs ?? {},
    target: spec.target,
  });
  const image = new dockerBuild.Image(
    ...transform(
      options.transform,
      `${name}-image`,
      {
        context: { location: context },
        dockerfile: { location: path.join(context, dockerfile) },
        platforms: [IMAGE_PLATFORM],
        ...(spec.buildArgs ? { buildArgs: spec.buildArgs } : {}),
        ...(spec.target ? { target: spec.target } : {}),
        push: true,
        tags: [pulumi.interpolate`${repository.repositoryUrl}:${tag}`],
        registries: [
          {
            address: repository.repositoryUrl,
            username: credentials.userName,
            password: pulumi.secret(credentials.password),
          },
        ],
      },
      { parent },
    ),
  );
  return { image, repository };
}

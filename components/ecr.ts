import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { transform, type Transform } from "./transform";

export interface ImageRepositoryOptions {
  /**
   * A fixed name, for repositories a team pushes to by name (and the program checks for tags).
   * ECR's rules: 2-256 lowercase characters, path segments of `[a-z0-9]` joined by `.`, `_`,
   * `-` and `/`. Without it, Pulumi auto-names the repository.
   * @example "platform-dev/arbees/api"
   */
  repositoryName?: string;
  /**
   * Tags can never be moved to another image (prod, or repositories pushed by digest-named tags).
   * @default false
   */
  immutableTags?: boolean;
  /**
   * Delete the repository with its images when the stack is destroyed (dev).
   * @default false
   */
  forceDelete?: boolean;
  /**
   * Images kept; older ones expire.
   * @default 30
   */
  keep?: number;
  /**
   * Days after which untagged images (layers of retagged or failed pushes) expire.
   * @default 7
   */
  untaggedDays?: number;
  transform?: {
    /** The repository (scanning, encryption, tag mutability…). */
    repository?: Transform<aws.ecr.RepositoryArgs>;
    /** Its lifecycle policy (`<name>-lifecycle`). */
    lifecyclePolicy?: Transform<aws.ecr.LifecyclePolicyArgs>;
  };
}

/**
 * An ECR repository as the platform keeps them: images scanned on push, encrypted, a lifecycle
 * policy that drops untagged layers after `untaggedDays` and keeps the newest `keep` images. Created
 * with the caller's options, so it sits under the caller.
 */
export function imageRepository(
  name: string,
  options: ImageRepositoryOptions,
  opts: pulumi.CustomResourceOptions,
): aws.ecr.Repository {
  if (options.repositoryName !== undefined && !isRepositoryName(options.repositoryName)) {
    throw new Error(
      `${name}: repositoryName ${options.repositoryName} is not an ECR repository name (2-256 lowercase characters, segments of a-z0-9 joined by . _ - /)`,
    );
  }
  const repository = new aws.ecr.Repository(
    ...transform(
      options.transform?.repository,
      name,
      {
        ...(options.repositoryName ? { name: options.repositoryName } : {}),
        imageScanningConfiguration: { scanOnPush: true },
        imageTagMutability: options.immutableTags ? "IMMUTABLE" : "MUTABLE",
        encryptionConfigurations: [{ encryptionType: "AES256" }],
        forceDelete: options.forceDelete ?? false,
      },
      opts,
    ),
  );
  new aws.ecr.LifecyclePolicy(
    ...transform(
      options.transform?.lifecyclePolicy,
      `${name}-lifecycle`,
      {
        repository: repository.name,
        policy: JSON.stringify(lifecycleRules(options.keep ?? 30, options.untaggedDays ?? 7)),
      },
      opts,
    ),
  );
  return repository;
}

/** The lifecycle policy: untagged images expire after `untaggedDays`, and all but the newest `keep`. */
export function lifecycleRules(keep: number, untaggedDays: number): { rules: object[] } {
  return {
    rules: [
      {
        rulePriority: 1,
        description: `Drop untagged layers after ${untaggedDays === 7 ? "a week" : `${untaggedDays} days`}`,
        selection: {
          tagStatus: "untagged",
          countType: "sinceImagePushed",
          countUnit: "days",
          countNumber: untaggedDays,
        },
        action: { type: "expire" },
      },
      {
        rulePriority: 2,
        description: `Keep the ${keep} newest images`,
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keep },
        action: { type: "expire" },
      },
    ],
  };
}

/** ECR's repository name rule (CreateRepository's pattern and length). */
export function isRepositoryName(name: string): boolean {
  return (
    name.length >= 2 &&
    name.length <= 256 &&
    /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(name)
  );
}

/**
 * Whether `tag` has been pushed to the repository named `repositoryName`, read at every preview
 * and update. A repository that does not exist yet (this very update creates it) has no tags.
 */
export function imageTagPushed(
  repositoryName: string,
  tag: string,
  opts: pulumi.InvokeOutputOptions,
): pulumi.Output<boolean> {
  return aws.ecr
    .getRepositoriesOutput({}, opts)
    .names.apply((names) =>
      names.includes(repositoryName)
        ? aws.ecr
            .getImagesOutput({ repositoryName }, opts)
            .imageIds.apply((ids) => ids.some((id) => id.imageTag === tag))
        : pulumi.output(false),
    );
}

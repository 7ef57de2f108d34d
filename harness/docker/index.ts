/** Docker-hosted environments: the proxy under test and the upstream agent in containers (see environment.ts). */
export { removeRunResourcesSync } from './cleanup';
export { DockerEnvironment } from './docker_environment';
export { DockerRun } from './docker_run';
export { dockerEndpoint, noEngineMessage, probeEngine } from './engine';
export { DOCKER_TARGETS, ensureImages, IMAGES_ENV } from './images';

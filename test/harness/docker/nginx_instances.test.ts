import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NGINX_INSTANCES_ENV, nginxInstances } from '../../../harness/docker/nginx_container_adapter';

describe('nginx containers used in turn', () => {
  it('keeps four by default, so a container is reloaded at most every fourth scenario', () => {
    assert.equal(nginxInstances({}), 4);
    assert.equal(nginxInstances({ [NGINX_INSTANCES_ENV]: '' }), 4);
  });

  it('takes 1 to 9 from the environment and refuses anything else, naming the variable', () => {
    assert.equal(nginxInstances({ [NGINX_INSTANCES_ENV]: '1' }), 1);
    assert.equal(nginxInstances({ [NGINX_INSTANCES_ENV]: '9' }), 9);
    for (const bad of ['0', '10', 'four', '-1'])
      assert.throws(
        () => nginxInstances({ [NGINX_INSTANCES_ENV]: bad }),
        new RegExp(`CONFORMANCE_NGINX_DOCKER_INSTANCES=${JSON.stringify(bad)}: expected 1 to 9 containers`),
      );
  });
});

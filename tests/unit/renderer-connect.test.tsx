// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import type { TrainyardApi } from '../../main/common/contracts/bridge.ts';
import { connectApi } from '../../renderer/api/connect.ts';

describe('connectApi', () => {
  it('prefers the preload bridge', () => {
    const bridge = { invoke: async () => ({ ok: true }), on: () => () => {}, cancel: async () => ({ ok: true }) } as unknown as TrainyardApi;
    window.trainyard = bridge;
    expect(connectApi()).toBe(bridge);
    delete window.trainyard;
  });

  it('takes the token from the URL once, keeps it for the tab and removes it from the address bar', () => {
    window.history.replaceState(null, '', '/?token=abc123#/runs');
    expect(connectApi()).not.toBeNull();
    expect(window.location.search).toBe('');
    expect(window.location.hash).toBe('#/runs');
    expect(sessionStorage.getItem('trainyard.token')).toBe('abc123');
    expect(connectApi()).not.toBeNull();
  });

  it('gives null without a token or a bridge', () => {
    sessionStorage.clear();
    window.history.replaceState(null, '', '/');
    expect(connectApi()).toBeNull();
  });
});

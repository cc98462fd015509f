import assert from 'node:assert/strict';
import { test } from 'node:test';
import { webSocketUrl } from '../src/ws-url.js';

test('http(s) addresses become ws(s) URLs of /v1/ws', () => {
  assert.equal(webSocketUrl('http://127.0.0.1:8080'), 'ws://127.0.0.1:8080/v1/ws');
  assert.equal(webSocketUrl('https://wiki.example/'), 'wss://wiki.example/v1/ws');
});

test('a path given is kept, and the token goes in ?token=', () => {
  assert.equal(webSocketUrl('wss://edge.example/websocket', 'a.b.c'), 'wss://edge.example/websocket?token=a.b.c');
  assert.equal(webSocketUrl('http://h/custom/ws', 'x y'), 'ws://h/custom/ws?token=x+y');
});

test('a relative URL resolves against the page', () => {
  assert.equal(webSocketUrl('/v1/ws', 't', 'https://wiki.example/wiki/Main_Page'), 'wss://wiki.example/v1/ws?token=t');
});

test('without a token, a public wiki to read anonymously goes in ?wiki=', () => {
  assert.equal(webSocketUrl('http://h', undefined, undefined, 'demo'), 'ws://h/v1/ws?wiki=demo');
  assert.equal(webSocketUrl('http://h', 'tok', undefined, 'demo'), 'ws://h/v1/ws?token=tok');
});

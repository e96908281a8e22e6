import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { connectFrame, frameAt, markDuplicate, publishHeader } from '../../src/workers/mqtt-frames.js';

/** Every packet a real MQTT parser (mqtt-packet, which aedes and mqtt.js use) reads from `bytes`. */
function parse(bytes: Buffer): mqttPacket.Packet[] {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const packets: mqttPacket.Packet[] = [];
  parser.on('packet', (p) => packets.push(p));
  parser.on('error', (err) => {
    throw err;
  });
  parser.parse(bytes);
  return packets;
}

describe('the publisher connections\' MQTT frames', () => {
  it('writes a QoS 1 PUBLISH a real parser reads back, across every size of the remaining length', () => {
    const topic = 'dino/ü/1000000000001'; // 21 bytes: with its length and the packet id, 25 before the payload
    // Remaining lengths 25, 127 | 128, 16 383 | 16 384, 2 097 151 | 2 097 152: each side of each boundary.
    for (const size of [0, 102, 103, 16_358, 16_359, 2_097_126, 2_097_127]) {
      const payload = Buffer.alloc(size, 'p');
      const [packet] = parse(Buffer.concat([publishHeader(topic, 65_535, payload.length), payload])) as mqttPacket.IPublishPacket[];
      expect({ cmd: packet!.cmd, qos: packet!.qos, topic: packet!.topic, messageId: packet!.messageId, bytes: packet!.payload.length })
        .toEqual({ cmd: 'publish', qos: 1, topic, messageId: 65_535, bytes: size });
    }
  });

  it('marks a PUBLISH sent again as a duplicate, and only that', () => {
    const header = publishHeader('t/1', 9, 1);
    const [first] = parse(Buffer.concat([header, Buffer.from('x')])) as mqttPacket.IPublishPacket[];
    markDuplicate(header);
    const [again] = parse(Buffer.concat([header, Buffer.from('x')])) as mqttPacket.IPublishPacket[];
    expect([first!.dup, again!.dup, again!.qos, again!.messageId, again!.topic]).toEqual([false, true, 1, 9, 't/1']);
  });

  it('writes a CONNECT with the login a real parser reads back, and one without', () => {
    const [withLogin] = parse(connectFrame({ clientId: 'dino-x-1', username: 'dino-fanout', password: 'sécret', keepaliveSeconds: 30 })) as mqttPacket.IConnectPacket[];
    expect({ ...withLogin, password: withLogin!.password?.toString() }).toMatchObject({
      cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 30, clientId: 'dino-x-1', username: 'dino-fanout', password: 'sécret',
    });
    const [open] = parse(connectFrame({ clientId: 'c', keepaliveSeconds: 0 })) as mqttPacket.IConnectPacket[];
    expect(open).toMatchObject({ clientId: 'c', keepalive: 0 });
    expect(open!.username).toBeUndefined();
    // A password without a user name is not MQTT 3.1.1: it is left out.
    const [passwordOnly] = parse(connectFrame({ clientId: 'c', password: 'p', keepaliveSeconds: 5 })) as mqttPacket.IConnectPacket[];
    expect([passwordOnly!.username, passwordOnly!.password]).toEqual([undefined, undefined]);
  });

  it('finds where each frame of a stream ends, however the bytes were cut', () => {
    const pubacks = [1, 2, 300].map((id) => mqttPacket.generate({ cmd: 'puback', messageId: id }));
    const big = Buffer.concat([publishHeader('t', 7, 200), Buffer.alloc(200)]);
    const stream = Buffer.concat([...pubacks, big, mqttPacket.generate({ cmd: 'pingresp' })]);
    const ends = [4, 8, 12, 12 + big.length, 14 + big.length];
    for (let cut = 0; cut <= stream.length; cut++) {
      const seen: number[] = [];
      let at = 0;
      for (let frame = frameAt(stream.subarray(0, cut), at); frame; frame = frameAt(stream.subarray(0, cut), at)) {
        seen.push(frame.end);
        at = frame.end;
      }
      expect(seen).toEqual(ends.filter((end) => end <= cut));
    }
  });

  it('refuses a remaining length of more than four bytes', () => {
    expect(() => frameAt(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]), 0)).toThrow(/malformed/);
  });
});

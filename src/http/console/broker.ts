import { withoutLogin } from '../../broker-url.js';
import type { AuthConfig, MqttConfig } from '../../config.js';

/** What the page needs to know of the MQTT broker, to watch a user's topic from the browser. */
export interface ConsoleBroker {
  /** The embedded broker's WebSocket port (path /mqtt): the page connects on the host name it was loaded from. */
  wsPort?: number;
  /** Or an external broker's `ws://`/`wss://` URL (DINO_MQTT_URL). Neither: the page says the live feed is unavailable. */
  wsUrl?: string;
  topicPrefix: string;
  /** The broker asks clients for a JWT (DINO_JWT_SECRET or DINO_JWT_PUBLIC_KEY_FILE). */
  tokens: boolean;
  /** Dino can mint one (DINO_JWT_SECRET): the page may get a token with the API key. */
  minting: boolean;
}

/**
 * The broker as a browser reaches it: the embedded one's WebSocket port, or an external broker's URL when it is a
 * WebSocket one, without the credentials Dino's own publishers may carry in it (the page is open to anyone).
 */
export function consoleBroker(mqtt: MqttConfig, auth: AuthConfig, embeddedWsPort: number | undefined): ConsoleBroker {
  const webSocket = mqtt.url !== undefined && ['ws:', 'wss:'].includes(new URL(mqtt.url).protocol);
  const wsUrl = webSocket ? withoutLogin(mqtt.url!) : undefined;
  return {
    wsPort: embeddedWsPort, wsUrl, topicPrefix: mqtt.topicPrefix,
    tokens: auth.jwtSecret !== undefined || auth.jwtPublicKeyFile !== undefined, minting: auth.jwtSecret !== undefined,
  };
}

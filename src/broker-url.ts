/**
 * A broker URL (DINO_MQTT_URL) without the login it may carry (`mqtt://user:password@host`): what may be shown or
 * logged. The password is the one Dino's publishers log in with.
 */
export function withoutLogin(brokerUrl: string): string {
  const url = new URL(brokerUrl);
  url.username = '';
  url.password = '';
  return url.href;
}

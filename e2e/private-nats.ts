// The private nats-server helpers live in the testkit now (integration tests use them too).
export { natsServerBinary, startPrivateNats, type PrivateNats } from '@gochat/testkit';

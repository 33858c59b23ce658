import type { IntentExample } from '../../../../src/flows/nlu/intent-engine.js';

/** A tiny synthetic shop dataset: three intents plus off-topic lines. */
export function syntheticExamples(): IntentExample[] {
  const rows: [string, string[]][] = [
    ['track_order', ['where is my order', 'track my package', 'has my order shipped', 'order status please', 'where is my parcel', 'track order A1023', 'when does my package ship', 'status of my delivery']],
    ['get_refund', ['i want a refund', 'give me my money back', 'refund my purchase', 'how do i get a refund', 'please refund order 1023', 'money back please', 'i need a refund now', 'refund the broken item']],
    ['greeting', ['hello', 'hi there', 'good morning', 'hey', 'hiya', 'hello bot', 'good evening', 'hey there']],
    ['oos', ['what is the weather', 'tell me a joke', 'who won the game', 'what is two plus two', 'play some music', 'book a flight', 'how tall is everest', 'recipe for pancakes']],
  ];
  return rows.flatMap(([intent, texts]) => texts.map((text) => ({ text, intent })));
}

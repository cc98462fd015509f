/**
 * The one place that knows the client library's surface (packages/client, docs/client.md):
 * its classic bundle defines `window.Wikicast`, whose `connect( options )` creates the client,
 * sets the global `webSocket` (the seed's API) and returns it. The client is lazy: it opens its
 * socket on the first subscribe, presence or send (docs/client.md), so a page where nothing
 * listens (a special page for an anonymous reader) opens none.
 */
require( './lib/wikicast.js' );

/**
 * @param {Object} options
 * @param {string} options.url the edge address (`http(s)://host`, or a `ws(s)://…/v1/ws` URL)
 * @param {Function} options.getToken returns a promise of a fresh connection token
 * @return {Object|null} the client, or null when the bundle did not load
 */
function connect( options ) {
	var library = window.Wikicast;
	if ( !library || typeof library.connect !== 'function' ) {
		mw.log.error( 'Wikicast: the client library did not load' );
		return null;
	}
	return library.connect( { url: options.url, getToken: options.getToken, lazy: true } );
}

module.exports = { connect: connect };

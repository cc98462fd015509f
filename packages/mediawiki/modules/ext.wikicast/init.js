/**
 * ext.wikicast: connects this page to Wikicast and defines the global `webSocket` (the seed's
 * API: connected(), disconnected( cb ), subscribe( type, cb ), send( type, msg, to )), with a
 * connection token from `action=wikicasttoken` that is fetched again before it expires.
 * Seed-era code may also read `wsWikiID` and `wsClientID`, as mw.config values or globals.
 */
var settings = require( './settings.json' ),
	adapter = require( './client-adapter.js' ),
	pageNotice = require( './page-notice.js' ),
	api = new mw.Api(),
	client;

window.wsWikiID = mw.config.get( 'wsWikiID' );
window.wsClientID = mw.config.get( 'wsClientID' );

/** @return {jQuery.Promise} a fresh token; also keeps wsClientID in step with it */
function getToken() {
	return api.get( { action: 'wikicasttoken', formatversion: 2 } ).then( function ( data ) {
		var info = data.wikicasttoken;
		mw.config.set( 'wsClientID', info.cid );
		window.wsClientID = info.cid;
		return info.token;
	} );
}

client = adapter.connect( { url: settings.url, getToken: getToken } );
if ( client ) {
	pageNotice.watch( client, settings.wiki );
	/**
	 * Fired once the client exists (it may still be connecting).
	 *
	 * @event wikicast.ready
	 */
	mw.hook( 'wikicast.ready' ).fire( client );
}

module.exports = client;

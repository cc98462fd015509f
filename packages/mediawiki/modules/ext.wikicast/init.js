/**
 * ext.wikicast: connects this page to Wikicast once something on it subscribes, and defines the global `webSocket` (the seed's
 * API: connected(), disconnected( cb ), subscribe( type, cb ), send( type, msg, to )), with a
 * connection token from `action=wikicasttoken` that is fetched again before it expires.
 * Seed-era code may also read `wsWikiID` and `wsClientID`, as mw.config values or globals.
 */
var settings = require( './settings.json' ),
	adapter = require( './client-adapter.js' ),
	pageNotice = require( './page-notice.js' ),
	watchNotice = require( './watch-notice.js' ),
	presenceNotice = require( './presence-notice.js' ),
	api = new mw.Api(),
	client;

window.wsWikiID = mw.config.get( 'wsWikiID' );
window.wsClientID = mw.config.get( 'wsClientID' );

/** @return {jQuery.Promise} a fresh token; also keeps wsClientID in step with it */
function getToken() {
	var pageId = mw.config.get( 'wgArticleId' ),
		params = { action: 'wikicasttoken', formatversion: 2 };
	if ( pageId ) {
		// The page's presence (its readers and editors), if the user may read it: docs/presence.md.
		params.presence = pageId;
	}
	return api.get( params ).then( function ( data ) {
		var info = data.wikicasttoken;
		mw.config.set( 'wsClientID', info.cid );
		window.wsClientID = info.cid;
		return info.token;
	} );
}

client = adapter.connect( { url: settings.url, getToken: getToken } );
if ( client && mw.user.isAnon() && !settings.anonymousConnections ) {
	// $wgWikicastAnonymousConnections = false: the seed's API stays (connected() is false, so
	// seed-era pages keep polling), but this client never opens a socket.
	client.close();
}
if ( client ) {
	// Without a listener the client throws what it reports (docs/client.md), which a page shows
	// as an uncaught error. A revocation (a block) is expected: the client fetches a new token
	// and is back, read-only while the block lasts; everything else is worth a console warning.
	client.on( 'error', function ( err ) {
		if ( err && err.code === 'revoked' ) {
			mw.log( 'Wikicast: access revoked (' + err.message + '); reconnecting with a new token' );
			return;
		}
		mw.log.warn( 'Wikicast: ' + ( err && err.code ? err.code + ': ' : '' ) + ( err && err.message ? err.message : String( err ) ) );
	} );
	pageNotice.watch( client, settings.wiki );
	watchNotice.watch( client, settings.wiki );
	presenceNotice.watch( client, settings.wiki, settings.showReaders );
	/**
	 * Fired once the client exists (it may still be connecting).
	 *
	 * @event wikicast.ready
	 */
	mw.hook( 'wikicast.ready' ).fire( client );
}

module.exports = client;

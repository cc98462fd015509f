/**
 * Special:RecentChanges and Special:Watchlist go live through Wikicast (docs/mediawiki.md, "Live
 * recent changes"). In live mode MediaWiki's RCFilters UI polls every few seconds: a `peek`
 * request asks whether there is anything new, then the list is fetched. While Wikicast is
 * connected this module answers RCFilters' question itself, without a request, "no", until a
 * `recentchange` (or `retract`) event came: in live mode RCFilters then fetches and shows the
 * list its own way, with the user's filters, at once when the controller is known (it is from the
 * first poll, or the Live button); otherwise its next poll asks the wiki. While disconnected,
 * RCFilters polls as it always did. A MediaWiki whose RCFilters lacks the methods used keeps its
 * polling, with a console warning.
 */
var client = require( 'ext.wikicast' ),
	rcfilters = mw.rcfilters,
	proto = rcfilters && rcfilters.Controller && rcfilters.Controller.prototype,
	/** The controllers seen (one on these pages). */
	controllers = [],
	/** A change came that is not shown yet. */
	pending = false;

/**
 * In live mode, has RCFilters fetch and show the list with the user's filters, as a positive
 * `peek` would. Otherwise the change waits for RCFilters' next poll, which then asks the wiki
 * (a real `peek`): an event says something changed, not that it passes the user's filters, so
 * it must not offer "View new changes" by itself (on the Watchlist most changes do not).
 *
 * @param {Object} controller RCFilters' controller
 * @return {boolean} whether it was done now
 */
function show( controller ) {
	if ( !controller.changesListModel.getLiveUpdate() || !controller._shouldCheckForNewChanges() ) {
		return false;
	}
	controller.updateChangesList( null, controller.LIVE_UPDATE );
	return true;
}

function changed() {
	pending = controllers.length === 0 || !controllers.every( show );
}

/**
 * Learns the controller from whichever of its methods runs first: RCFilters keeps it to itself.
 *
 * @param {string} name a method of the controller's prototype
 */
function rememberIn( name ) {
	var original = proto[ name ];
	proto[ name ] = function () {
		if ( controllers.indexOf( this ) === -1 ) {
			controllers.push( this );
		}
		return original.apply( this, arguments );
	};
}

if ( !client ) {
	// ext.wikicast found no client library: RCFilters polls as usual.
} else if ( !proto || [ '_checkForNewChanges', '_shouldCheckForNewChanges', 'toggleLiveUpdate', 'updateChangesList' ].some( function ( name ) {
	return typeof proto[ name ] !== 'function';
} ) ) {
	mw.log.warn( 'Wikicast: this MediaWiki\'s RCFilters differs from the tested ones; live updates keep polling' );
} else {
	( function ( peek ) {
		// RCFilters' poll asks this (the prototype's method is looked up at each poll). While
		// connected, only a change that came and is not shown yet is worth asking the wiki about.
		proto._checkForNewChanges = function () {
			var fresh = pending;
			if ( !client.connected() || fresh ) {
				pending = false;
				return peek.apply( this, arguments );
			}
			// What `peek` answers when there is nothing new.
			return $.Deferred().resolve( 204 ).promise();
		};
	}( proto._checkForNewChanges ) );
	[ '_checkForNewChanges', 'toggleLiveUpdate', 'updateChangesList' ].forEach( rememberIn );
	client.subscribe( mw.config.get( 'wsWikiID' ) + 'recentchange', changed );
}

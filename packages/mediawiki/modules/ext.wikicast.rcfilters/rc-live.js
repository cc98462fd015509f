/**
 * Special:RecentChanges and Special:Watchlist go live through Wikicast (docs/mediawiki.md, "Live
 * recent changes"). In live mode MediaWiki's RCFilters UI polls every few seconds: a `peek`
 * request asks whether there is anything new, then the list is fetched. While Wikicast is
 * connected this module answers RCFilters' question itself, without a request: "yes" once a
 * `recentchange` (or `retract`) event came, else "no". RCFilters then fetches and shows the list
 * its own way, with the user's filters; a change is shown at once when the controller is known
 * (it is from the first poll, or the Live button). While disconnected, RCFilters polls as it
 * always did. A MediaWiki whose RCFilters lacks the methods used keeps its polling, with a
 * console warning.
 */
var client = require( 'ext.wikicast' ),
	rcfilters = mw.rcfilters,
	proto = rcfilters && rcfilters.Controller && rcfilters.Controller.prototype,
	/** The controllers seen (one on these pages). */
	controllers = [],
	/** A change came that is not shown yet. */
	pending = false;

/**
 * Shows new changes as a positive `peek` would: the updated list in live mode, else the
 * "View new changes" button.
 *
 * @param {Object} controller RCFilters' controller
 * @return {boolean} whether it could be done now
 */
function show( controller ) {
	if ( !controller._shouldCheckForNewChanges() ) {
		return false;
	}
	if ( controller.changesListModel.getLiveUpdate() ) {
		controller.updateChangesList( null, controller.LIVE_UPDATE );
	} else {
		controller.changesListModel.setNewChangesExist( true );
	}
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
		// RCFilters' poll asks this (the prototype's method is looked up at each poll).
		proto._checkForNewChanges = function () {
			var fresh = pending;
			if ( !client.connected() ) {
				return peek.apply( this, arguments );
			}
			pending = false;
			// The answers `peek` gets: 200 there are new changes, 204 there are none.
			return $.Deferred().resolve( fresh ? 200 : 204 ).promise();
		};
	}( proto._checkForNewChanges ) );
	[ '_checkForNewChanges', 'toggleLiveUpdate', 'updateChangesList' ].forEach( rememberIn );
	client.subscribe( mw.config.get( 'wsWikiID' ) + 'recentchange', changed );
}
